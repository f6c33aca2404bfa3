package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * deploy/cloudformation/worker-role.yaml: its two managed policies are deploy/iam/worker-policy.json and
 * worker-lifecycle-policy.json verbatim, both attached to the role, each within IAM's size quota; cfn-lint (AWS's
 * template linter, with the resource specifications) accepts it and refuses a broken copy; and the AWS CLI's
 * {@code cloudformation deploy}, the documented command, deploys it to moto, which then has both policies and a role
 * that trusts EKS Pod Identity (with sts:TagSession) and, with OidcProviderUrl, exactly the chart's service account
 * through IRSA.
 */
class WorkerRoleTemplateTest {
  @RegisterExtension
  static final MotoServer MOTO = new MotoServer();

  static final Path TEMPLATE = Path.of("../deploy/cloudformation/worker-role.yaml");
  /** Each managed policy resource of the template and the file that is its PolicyDocument. */
  static final Map<String, Path> POLICIES = Map.of(
      "WorkerPolicy", Path.of("../deploy/iam/worker-policy.json"),
      "WorkerLifecyclePolicy", Path.of("../deploy/iam/worker-lifecycle-policy.json"));
  /**
   * A customer managed policy is at most 6,144 characters, white space not counted (IAM User Guide, "IAM and AWS STS
   * quotas", character limits: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
   */
  static final int MANAGED_POLICY_QUOTA = 6_144;
  static final String OIDC = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theManagedPoliciesAreTheWorkerPolicyFilesAndTheRoleAttachesBoth() throws IOException {
    JsonNode resources = YAML.readTree(TEMPLATE.toFile()).path("Resources");
    List<String> managedPolicies = new ArrayList<>();
    resources.fields().forEachRemaining(resource -> {
      if (resource.getValue().path("Type").asText().equals("AWS::IAM::ManagedPolicy")) {
        managedPolicies.add(resource.getKey());
      }
    });
    assertThat(managedPolicies).containsExactlyInAnyOrderElementsOf(POLICIES.keySet());
    for (Map.Entry<String, Path> policy : POLICIES.entrySet()) {
      assertThat(resources.at("/" + policy.getKey() + "/Properties/PolicyDocument"))
          .as("%s's PolicyDocument in %s differs from %s: paste the JSON file into the template", policy.getKey(),
              TEMPLATE, policy.getValue())
          .isEqualTo(JSON.readTree(policy.getValue().toFile()));
    }
    assertThat(resources.at("/WorkerRole/Properties/ManagedPolicyArns")).extracting(arn -> arn.path("Ref").asText())
        .containsExactlyInAnyOrderElementsOf(POLICIES.keySet());
  }

  @Test
  void eachPolicyFileMinifiedAsIamCountsItIsWithinTheManagedPolicyQuota() throws IOException {
    Map<Path, Integer> sizes = new LinkedHashMap<>();
    for (Path file : POLICIES.values()) {
      // Jackson writes the document without white space outside its strings: what IAM counts.
      sizes.put(file, JSON.writeValueAsString(JSON.readTree(file.toFile())).length());
    }
    System.out.println("managed policy sizes without white space (quota " + MANAGED_POLICY_QUOTA + "): " + sizes);
    assertThat(sizes).allSatisfy((file, size) ->
        assertThat(size).as("%s without white space", file).isLessThanOrEqualTo(MANAGED_POLICY_QUOTA));
  }

  @Test
  void cfnLintAcceptsTheTemplateAndRefusesABrokenCopy() throws Exception {
    Path cfnLint = RequiredTool.onPathOr("cfn-lint", List.of());
    Run lint = run(List.of(cfnLint.toString(), TEMPLATE.toString()));
    assertThat(lint.exitCode()).as("%s", lint).isZero();

    Path broken = BuildDirectory.newDirectory("cfn-lint-").resolve("worker-role.yaml");
    String template = Files.readString(TEMPLATE);
    assertThat(template).contains("      RoleArn:\n        Fn::GetAtt: [WorkerRole, Arn]\n");
    Files.writeString(broken, template.replace("      RoleArn:\n        Fn::GetAtt: [WorkerRole, Arn]\n", ""));
    Run refused = run(List.of(cfnLint.toString(), broken.toString()));
    System.out.println("cfn-lint on a copy without the association's RoleArn:\n" + refused.output());
    assertThat(refused.exitCode()).isNotZero();
    assertThat(refused.output()).contains("'RoleArn' is a required property");
  }

  @Test
  void deployedWithTheAwsCliTheRoleTrustsPodIdentityAndTheChartsServiceAccount() throws Exception {
    Path aws = RequiredTool.at(Path.of("/usr/bin/aws"));
    Run deploy = aws(aws, "cloudformation", "deploy", "--stack-name", "precache-worker-role",
        "--template-file", TEMPLATE.toString(), "--capabilities", "CAPABILITY_NAMED_IAM",
        "--parameter-overrides", "OidcProviderUrl=" + OIDC);
    assertThat(deploy.exitCode()).as("%s", deploy).isZero();

    Run role = aws(aws, "iam", "get-role", "--role-name", "precache-worker",
        "--query", "Role.AssumeRolePolicyDocument", "--output", "json");
    assertThat(role.exitCode()).as("%s", role).isZero();
    System.out.println("trust policy of the deployed role (moto):\n" + role.output());
    JsonNode statements = JSON.readTree(role.output()).path("Statement");
    assertThat(statements).hasSize(2);
    JsonNode podIdentity = statements.get(0);
    assertThat(podIdentity.at("/Principal/Service").asText()).isEqualTo("pods.eks.amazonaws.com");
    assertThat(podIdentity.path("Action")).extracting(JsonNode::asText)
        .containsExactlyInAnyOrder("sts:AssumeRole", "sts:TagSession");
    JsonNode irsa = statements.get(1);
    assertThat(irsa.at("/Principal/Federated").asText())
        .isEqualTo("arn:aws:iam::123456789012:oidc-provider/" + OIDC);
    assertThat(irsa.path("Action").asText()).isEqualTo("sts:AssumeRoleWithWebIdentity");
    ObjectNode condition = (ObjectNode) irsa.at("/Condition/StringEquals");
    assertThat(condition.path(OIDC + ":sub").asText()).isEqualTo("system:serviceaccount:precache:precache-worker");
    assertThat(condition.path(OIDC + ":aud").asText()).isEqualTo("sts.amazonaws.com");

    // Moto's CloudFormation makes the managed policies but does not attach a role's ManagedPolicyArns
    // (list-attached-role-policies answers []): the attachment is checked in the template above.
    Run policies = aws(aws, "iam", "list-policies", "--scope", "Local", "--query", "Policies[].PolicyName",
        "--output", "json");
    assertThat(policies.exitCode()).as("%s", policies).isZero();
    System.out.println("customer managed policies of the deployed stack (moto):\n" + policies.output());
    assertThat(JSON.readTree(policies.output())).as("both worker policies").hasSize(POLICIES.size());
  }

  record Run(int exitCode, String output) {}

  private static Run aws(Path aws, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(aws.toString(), "--endpoint-url", MOTO.endpoint().toString(),
        "--region", MotoServer.REGION));
    command.addAll(List.of(args));
    return run(command);
  }

  private static Run run(List<String> command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(java.util.Map.of("AWS_ACCESS_KEY_ID", MotoServer.ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY", MotoServer.SECRET_ACCESS_KEY, "AWS_EC2_METADATA_DISABLED", "true",
        "AWS_PAGER", ""));
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    return new Run(process.waitFor(), output);
  }
}
