package dev.precache.demo.iam;

import dev.precache.simulator.Cloud;
import dev.precache.simulator.cloudformation.Stack;
import dev.precache.simulator.cloudformation.StackEvent;
import dev.precache.simulator.ec2.Instance;
import dev.precache.simulator.ec2.Volume;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The calls CloudFormation makes with the worker's credentials (no service role) while it creates and deletes
 * precache's stacks, which the simulator's CloudFormation does inside its model rather than over the wire: one
 * entry per resource CREATE/DELETE the stacks' events record, mapped to the actions the resource type needs. Each
 * carries {@code aws:CalledVia = cloudformation.amazonaws.com}, which AWS sets on requests a service makes with its
 * caller's credentials (IAM User Guide, "AWS global condition context keys: aws:CalledVia").
 *
 * <p>What each type needs is a model, not an observation: the EC2 API's actions for what the template declares
 * (a launch template tagged on create, RunInstances with the launch template's tag specifications and the
 * builder's instance profile), IAM's for roles and instance profiles, and the reads CloudFormation makes to
 * follow them. Tags are the simulator's own: instances and volumes as tagged from the launch template; the
 * launch template as build-instance.yaml tags it, with the stack's build ID.
 */
public final class CloudFormationCalls {

  private static final String CALLED_VIA = "aws:CalledVia";
  private static final String CLOUDFORMATION = "cloudformation.amazonaws.com";
  private static final String BUILD_ID_TAG = "precache:build-id";
  private static final List<String> BUILDER_POLICIES = List.of(
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly");

  private final Cloud cloud;
  private final String account;
  private final WorkerCalls arns;

  public CloudFormationCalls(Cloud cloud) {
    this.cloud = cloud;
    this.account = Cloud.ACCOUNT_ID;
    this.arns = new WorkerCalls(account);
  }

  /** Every stack's resource operations, in the order the stacks were made. */
  public List<IamRequest> all(String region) {
    List<IamRequest> requests = new ArrayList<>();
    List<Stack> stacks;
    synchronized (cloud) {
      stacks = List.copyOf(cloud.allStacks());
    }
    Optional<String> builderRole = stacks.stream().filter(s -> s.name().equals("precache-builder"))
        .flatMap(s -> physicalIds(s, "AWS::IAM::Role").stream()).reduce((older, newer) -> newer);
    for (Stack stack : stacks) {
      Optional<String> ownRole = physicalIds(stack, "AWS::IAM::Role").stream().findFirst();
      for (StackEvent event : resourceEvents(stack)) {
        String why = "cloudformation for " + stack.name() + ": " + event.status() + " " + event.logicalId();
        boolean create = event.status().equals("CREATE_IN_PROGRESS");
        switch (event.resourceType()) {
          case "AWS::EC2::LaunchTemplate" -> requests.addAll(launchTemplate(region, stack, event, create, why));
          case "AWS::EC2::Instance" -> requests.addAll(instance(region, event, create,
              ownRole.or(() -> builderRole).orElseThrow(() -> new AssertionError("no role for " + why)), why));
          case "AWS::IAM::Role" -> requests.addAll(role(stack, event, create, why));
          case "AWS::IAM::InstanceProfile" -> requests.addAll(instanceProfile(event, create,
              ownRole.orElseThrow(() -> new AssertionError("no role for " + why)), why));
          default -> throw new AssertionError("no IAM model for CloudFormation resource type " + event.resourceType()
              + " (" + why + ") in " + CloudFormationCalls.class.getSimpleName());
        }
      }
    }
    return requests;
  }

  private List<IamRequest> launchTemplate(String region, Stack stack, StackEvent event, boolean create, String why) {
    String arn = arns.ec2Arn(region, event.physicalId());
    Map<String, String> tags = Map.of(BUILD_ID_TAG, stack.tags().get(BUILD_ID_TAG));
    if (!create) {
      return List.of(via(new IamRequest("ec2:DeleteLaunchTemplate", arn, why).withTags("aws:ResourceTag/", tags)));
    }
    IamRequest created = via(new IamRequest("ec2:CreateLaunchTemplate", arn, why)
        .withTags("aws:RequestTag/", tags).with("aws:TagKeys", tags.keySet().toArray(String[]::new)));
    return List.of(created,
        via(new IamRequest("ec2:CreateTags", arn, created.context(), why).with("ec2:CreateAction", "CreateLaunchTemplate")),
        via(new IamRequest("ec2:DescribeLaunchTemplates", "*", why)),
        via(new IamRequest("ec2:DescribeLaunchTemplateVersions", "*", why)));
  }

  private List<IamRequest> instance(String region, StackEvent event, boolean create, String role, String why) {
    Instance instance;
    synchronized (cloud) {
      instance = cloud.allInstances().stream().filter(i -> i.instanceId().equals(event.physicalId())).findFirst()
          .orElseThrow(() -> new AssertionError("no instance " + event.physicalId() + " for " + why));
    }
    String instanceArn = arns.ec2Arn(region, instance.instanceId());
    Map<String, String> instanceTags = withoutAwsTags(instance.tags());
    if (!create) {
      return List.of(via(new IamRequest("ec2:TerminateInstances", instanceArn, why)
          .withTags("aws:ResourceTag/", instance.tags())), via(new IamRequest("ec2:DescribeInstances", "*", why)));
    }
    List<IamRequest> requests = new ArrayList<>();
    requests.add(tagged(new IamRequest("ec2:RunInstances", instanceArn, why), instanceTags));
    for (Volume volume : instance.volumes()) {
      Map<String, String> volumeTags = withoutAwsTags(volume.tags());
      requests.add(tagged(new IamRequest("ec2:RunInstances", arns.ec2Arn(region, volume.id()), why), volumeTags));
      requests.add(tagged(new IamRequest("ec2:CreateTags", arns.ec2Arn(region, volume.id()), why), volumeTags)
          .with("ec2:CreateAction", "RunInstances"));
    }
    requests.add(tagged(new IamRequest("ec2:CreateTags", instanceArn, why), instanceTags)
        .with("ec2:CreateAction", "RunInstances"));
    String launchTemplate = instance.tags().get("aws:ec2launchtemplate:id");
    String buildId = instance.tags().get(BUILD_ID_TAG);
    // The launch template the instance comes from, tagged with the same build as the instance.
    requests.add(via(new IamRequest("ec2:RunInstances", "arn:aws:ec2:" + region + ":" + account + ":launch-template/"
        + Optional.ofNullable(launchTemplate).orElse("lt-of-" + buildId), why).with("aws:ResourceTag/" + BUILD_ID_TAG,
        buildId)));
    for (String networkResource : List.of("network-interface/*", "subnet/subnet-0default0000000",
        "security-group/sg-0default0000000")) {
      requests.add(via(new IamRequest("ec2:RunInstances", "arn:aws:ec2:" + region + ":" + account + ":"
          + networkResource, why)));
    }
    requests.add(via(new IamRequest("ec2:RunInstances", "arn:aws:ec2:" + region + "::image/"
        + instance.image().imageId(), why)));
    // CloudFormation resolves the AmiId parameter (an AWS::SSM::Parameter::Value) with the caller's credentials.
    requests.add(new IamRequest("ssm:GetParameters", arns.parameterArn(region, instance.image().parameterName())
        .replace(":" + account + ":", "::"), why));
    requests.add(passRole(role, why));
    requests.add(via(new IamRequest("ec2:DescribeInstances", "*", why)));
    return requests;
  }

  private List<IamRequest> role(Stack stack, StackEvent event, boolean create, String why) {
    String arn = "arn:aws:iam::" + account + ":role/" + event.physicalId();
    List<IamRequest> requests = new ArrayList<>();
    if (create) {
      requests.add(via(new IamRequest("iam:CreateRole", arn, why).withTags("aws:RequestTag/", stack.tags())));
      requests.add(via(new IamRequest("iam:TagRole", arn, why).withTags("aws:RequestTag/", stack.tags())));
      BUILDER_POLICIES.forEach(policy -> requests.add(via(new IamRequest("iam:AttachRolePolicy", arn, why)
          .with("iam:PolicyARN", policy))));
      requests.add(via(new IamRequest("iam:GetRole", arn, why)));
    } else {
      for (String action : List.of("iam:ListAttachedRolePolicies", "iam:ListRolePolicies",
          "iam:ListInstanceProfilesForRole", "iam:DeleteRole")) {
        requests.add(via(new IamRequest(action, arn, why)));
      }
      BUILDER_POLICIES.forEach(policy -> requests.add(via(new IamRequest("iam:DetachRolePolicy", arn, why)
          .with("iam:PolicyARN", policy))));
    }
    return requests;
  }

  private List<IamRequest> instanceProfile(StackEvent event, boolean create, String role, String why) {
    String arn = "arn:aws:iam::" + account + ":instance-profile/" + event.physicalId();
    if (!create) {
      return List.of(via(new IamRequest("iam:RemoveRoleFromInstanceProfile", arn, why)),
          via(new IamRequest("iam:DeleteInstanceProfile", arn, why)));
    }
    // "The caller of this operation must be granted the PassRole permission on the IAM role" (IAM API Reference,
    // AddRoleToInstanceProfile); that it is passed to EC2 there is an assumption.
    return List.of(via(new IamRequest("iam:CreateInstanceProfile", arn, why)),
        via(new IamRequest("iam:AddRoleToInstanceProfile", arn, why)), passRole(role, why),
        via(new IamRequest("iam:GetInstanceProfile", arn, why)));
  }

  private IamRequest passRole(String role, String why) {
    return via(new IamRequest("iam:PassRole", "arn:aws:iam::" + account + ":role/" + role, why)
        .with("iam:PassedToService", "ec2.amazonaws.com"));
  }

  private static IamRequest tagged(IamRequest request, Map<String, String> tags) {
    return via(request.withTags("aws:RequestTag/", tags).with("aws:TagKeys", tags.keySet().toArray(String[]::new)));
  }

  private static IamRequest via(IamRequest request) {
    return request.with(CALLED_VIA, CLOUDFORMATION);
  }

  /** {@code aws:} tags are AWS's own (CloudFormation's, EC2's); they are not the caller's request tags. */
  private static Map<String, String> withoutAwsTags(Map<String, String> tags) {
    Map<String, String> own = new LinkedHashMap<>(tags);
    own.keySet().removeIf(key -> key.startsWith("aws:"));
    return own;
  }

  /** One CREATE and one DELETE per resource, with its physical ID, from the stack's events. */
  private static List<StackEvent> resourceEvents(Stack stack) {
    Map<String, String> physical = new LinkedHashMap<>();
    stack.events().forEach(e -> {
      if (e.physicalId() != null && !e.physicalId().isEmpty() && !e.resourceType().equals("AWS::CloudFormation::Stack")) {
        physical.putIfAbsent(e.logicalId(), e.physicalId());
      }
    });
    Set<String> seen = new LinkedHashSet<>();
    List<StackEvent> events = new ArrayList<>();
    for (StackEvent e : stack.events()) {
      if (e.resourceType().equals("AWS::CloudFormation::Stack")
          || !(e.status().equals("CREATE_IN_PROGRESS") || e.status().equals("DELETE_IN_PROGRESS"))
          || !physical.containsKey(e.logicalId()) || !seen.add(e.logicalId() + " " + e.status())) {
        continue;
      }
      events.add(new StackEvent(e.eventId(), e.logicalId(), physical.get(e.logicalId()), e.resourceType(),
          e.timestamp(), e.status(), e.reason()));
    }
    return events;
  }

  private static List<String> physicalIds(Stack stack, String type) {
    return resourceEvents(stack).stream().filter(e -> e.resourceType().equals(type)).map(StackEvent::physicalId)
        .distinct().toList();
  }
}
