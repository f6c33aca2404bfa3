package dev.precache.simulator.iam;

import dev.precache.simulator.instance.InstanceRole;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * IAM of the account, as far as instances need it: the roles and instance profiles CloudFormation made, and what
 * a role allows. IAM is global, so one model serves every region. Roles made outside the simulator (a {@code -R}
 * role) are unknown to it and allow nothing, as an instance profile naming a role that does not exist would.
 */
public final class IamModel {

  /** One Allow statement of a role's policies: actions and resources, each with IAM's {@code *} and {@code ?}. */
  public record Statement(List<String> actions, List<String> resources) {
    boolean allows(String action, String resource) {
      return actions.stream().anyMatch(pattern -> matches(pattern, action, true))
          && resources.stream().anyMatch(pattern -> matches(pattern, resource, false));
    }
  }

  /**
   * The AWS managed policies build instances are given, reduced to the actions they allow (all on {@code *}), from
   * the AWS Managed Policy Reference Guide ("AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore").
   */
  private static final Map<String, List<String>> MANAGED_POLICY_ACTIONS = Map.of(
      "AmazonEC2ContainerRegistryReadOnly", List.of("ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability",
          "ecr:GetDownloadUrlForLayer", "ecr:GetRepositoryPolicy", "ecr:DescribeRepositories", "ecr:ListImages",
          "ecr:DescribeImages", "ecr:BatchGetImage", "ecr:GetLifecyclePolicy", "ecr:GetLifecyclePolicyPreview",
          "ecr:ListTagsForResource", "ecr:DescribeImageScanFindings"),
      "AmazonSSMManagedInstanceCore", List.of("ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance",
          "ssm:GetDocument", "ssm:DescribeDocument", "ssm:GetManifest", "ssm:GetParameter", "ssm:GetParameters",
          "ssm:ListAssociations", "ssm:ListInstanceAssociations", "ssm:PutInventory", "ssm:PutComplianceItems",
          "ssm:PutConfigurePackageResult", "ssm:UpdateAssociationStatus", "ssm:UpdateInstanceAssociationStatus",
          "ssm:UpdateInstanceInformation", "ssmmessages:*", "ec2messages:*"));

  private final Map<String, List<Statement>> roles = new ConcurrentHashMap<>();
  private final Map<String, String> profileRoles = new ConcurrentHashMap<>();

  /**
   * A role and what it allows: its managed policies by ARN (only the AWS managed ones above are known) and its
   * inline statements.
   */
  public void putRole(String roleName, List<String> managedPolicyArns, List<Statement> inlineStatements) {
    List<Statement> statements = new ArrayList<>(inlineStatements);
    for (String arn : managedPolicyArns) {
      String policyName = arn.substring(arn.lastIndexOf('/') + 1);
      Optional.ofNullable(MANAGED_POLICY_ACTIONS.get(policyName))
          .ifPresent(actions -> statements.add(new Statement(actions, List.of("*"))));
    }
    roles.put(roleName, List.copyOf(statements));
  }

  public void deleteRole(String roleName) {
    roles.remove(roleName);
  }

  public void putInstanceProfile(String profileName, String roleName) {
    profileRoles.put(profileName, roleName);
  }

  public void deleteInstanceProfile(String profileName) {
    profileRoles.remove(profileName);
  }

  /** The role an instance profile (by ARN or name) holds, if the profile exists. */
  public Optional<String> roleOfProfile(String profileArnOrName) {
    if (profileArnOrName == null) {
      return Optional.empty();
    }
    String name = profileArnOrName.substring(profileArnOrName.lastIndexOf('/') + 1);
    return Optional.ofNullable(profileRoles.get(name));
  }

  /** Whether the role may call the action on the resource (an ARN, or {@code *} for actions without one). */
  public boolean allows(String roleName, String action, String resource) {
    return roles.getOrDefault(roleName, List.of()).stream().anyMatch(s -> s.allows(action, resource));
  }

  /** The role an instance with this profile runs as, looked up at each call, as IMDS credentials follow the profile. */
  public InstanceRole instanceRole(String accountId, String profileArn, String instanceId) {
    IamModel iam = this;
    return new InstanceRole() {
      @Override
      public String callerArn() {
        return "arn:aws:sts::" + accountId + ":assumed-role/" + iam.roleOfProfile(profileArn).orElse("") + "/" + instanceId;
      }

      @Override
      public String roleName() {
        return iam.roleOfProfile(profileArn).orElse("");
      }

      @Override
      public boolean allows(String action, String resource) {
        return iam.roleOfProfile(profileArn).filter(role -> iam.allows(role, action, resource)).isPresent();
      }

      @Override
      public boolean hasCredentials() {
        return iam.roleOfProfile(profileArn).filter(iam.roles::containsKey).isPresent();
      }
    };
  }

  public void clear() {
    roles.clear();
    profileRoles.clear();
  }

  /** IAM's wildcards: {@code *} any run of characters, {@code ?} one; actions compare case-insensitively. */
  private static boolean matches(String pattern, String value, boolean ignoreCase) {
    StringBuilder regex = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      regex.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
    }
    return Pattern.compile(regex.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE : 0).matcher(value).matches();
  }
}
