package dev.precache.demo.iam;

import dev.precache.simulator.RequestLog.Call;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What IAM authorizes for each call the worker made, read from the simulator's request log: the action, the
 * resource ARN and the condition keys the Service Authorization Reference lists for it (EC2, CloudFormation and
 * Systems Manager chapters). A call that touches several resources is one request per resource, as IAM checks each;
 * an operation with no mapping here fails the check, so a new call cannot slip past the policy unchecked.
 */
public final class WorkerCalls {

  private static final Pattern INDEXED = Pattern.compile("(.+)\\.(\\d+)");
  /** CloudFormation authorizes a stack by name before it has an ID; the policy matches the name. */
  private static final String ANY_STACK_ID = "00000000-0000-0000-0000-000000000000";

  private final String account;

  public WorkerCalls(String account) {
    this.account = account;
  }

  public List<IamRequest> of(Call call, int index) {
    String why = call.service() + " " + call.operation() + " #" + index;
    Map<String, String> p = call.parameters();
    String region = call.region();
    List<IamRequest> requests = new ArrayList<>();
    switch (call.service() + ":" + call.operation()) {
      case "cloudformation:CreateStack", "cloudformation:UpdateStack" -> {
        String stack = p.get("StackName");
        requests.add(new IamRequest("cloudformation:" + call.operation(), stackArn(region, stack), why)
            .withTags("aws:RequestTag/", tags(p, "Tags.member", "Key", "Value"))
            .with("aws:TagKeys", tags(p, "Tags.member", "Key", "Value").keySet().toArray(String[]::new))
            .withTags("aws:ResourceTag/", call.resourceTags().getOrDefault(stack, Map.of())));
      }
      case "cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents", "cloudformation:DeleteStack" -> {
        // By name only: DescribeStacks without one is authorized on "*" (and would read every stack's outputs), so
        // the janitor lists with ListStacks and describes only precache's; a call without a name is unmapped here.
        String stack = p.get("StackName");
        if (stack == null) {
          throw new AssertionError(why + " names no stack: the worker describes stacks by name");
        }
        requests.add(new IamRequest("cloudformation:" + call.operation(), stackArn(region, stack), why)
            .withTags("aws:ResourceTag/", call.resourceTags().getOrDefault(stack, Map.of())));
      }
      // ListStacks has no resource type (Service Authorization Reference): "*", stack summaries only.
      case "cloudformation:ListStacks" -> requests.add(new IamRequest("cloudformation:ListStacks", "*", why));
      case "ec2:DescribeInstances", "ec2:DescribeSnapshots", "ec2:DescribeInstanceTypes", "ec2:DescribeVolumes",
          "ssm:GetCommandInvocation", "ssm:ListCommands", "ssm:DescribeInstanceInformation",
          "ecr:GetAuthorizationToken" -> requests.add(new IamRequest(call.service() + ":" + call.operation(), "*", why));
      case "ec2:CreateSnapshot" -> {
        String volume = p.get("VolumeId");
        Map<String, String> requestTags = tags(p, "TagSpecification.1.Tag", "Key", "Value");
        requests.add(new IamRequest("ec2:CreateSnapshot", ec2Arn(region, volume), why)
            .withTags("aws:ResourceTag/", call.resourceTags().getOrDefault(volume, Map.of())));
        IamRequest snapshot = new IamRequest("ec2:CreateSnapshot", "arn:aws:ec2:" + region + "::snapshot/*", why)
            .withTags("aws:RequestTag/", requestTags).with("aws:TagKeys", requestTags.keySet().toArray(String[]::new));
        requests.add(snapshot);
        // Tagging on create is authorized as CreateTags too, with the action that creates (EC2 User Guide,
        // "Grant permission to tag Amazon EC2 resources during creation").
        requests.add(new IamRequest("ec2:CreateTags", snapshot.resource(), snapshot.context(), why)
            .with("ec2:CreateAction", "CreateSnapshot"));
      }
      case "ec2:CopySnapshot" -> {
        // The source in its region, then the new snapshot, which IAM names snapshot/* (EC2 User Guide, "Example
        // policies for working with the AWS CLI or an AWS SDK": Copy snapshots); tags on create as for CreateSnapshot.
        String source = p.get("SourceSnapshotId");
        Map<String, String> requestTags = tags(p, "TagSpecification.1.Tag", "Key", "Value");
        requests.add(new IamRequest("ec2:CopySnapshot", ec2Arn(p.get("SourceRegion"), source), why)
            .withTags("aws:RequestTag/", requestTags).with("aws:TagKeys", requestTags.keySet().toArray(String[]::new))
            .withTags("aws:ResourceTag/", call.resourceTags().getOrDefault(source, Map.of())));
        IamRequest copy = new IamRequest("ec2:CopySnapshot", "arn:aws:ec2:" + region + "::snapshot/*", why)
            .withTags("aws:RequestTag/", requestTags).with("aws:TagKeys", requestTags.keySet().toArray(String[]::new));
        requests.add(copy);
        requests.add(new IamRequest("ec2:CreateTags", copy.resource(), copy.context(), why)
            .with("ec2:CreateAction", "CopySnapshot"));
      }
      case "ec2:ModifySnapshotAttribute" -> requests.add(new IamRequest("ec2:ModifySnapshotAttribute",
          ec2Arn(region, p.get("SnapshotId")), why)
          .withTags("aws:ResourceTag/", call.resourceTags().getOrDefault(p.get("SnapshotId"), Map.of())));
      case "ec2:DeleteVolume" -> requests.add(new IamRequest("ec2:DeleteVolume", ec2Arn(region, p.get("VolumeId")), why)
          .withTags("aws:ResourceTag/", call.resourceTags().getOrDefault(p.get("VolumeId"), Map.of())));
      case "ec2:CreateTags" -> {
        Map<String, String> requestTags = tags(p, "Tag", "Key", "Value");
        for (String id : indexed(p, "ResourceId")) {
          requests.add(new IamRequest("ec2:CreateTags", ec2Arn(region, id), why)
              .withTags("aws:RequestTag/", requestTags)
              .with("aws:TagKeys", requestTags.keySet().toArray(String[]::new))
              .withTags("aws:ResourceTag/", call.resourceTags().getOrDefault(id, Map.of())));
        }
      }
      case "ec2:DeleteTags" -> {
        // DeleteTags is authorized per resource with the keys it removes as aws:TagKeys (Service Authorization
        // Reference, Amazon EC2: DeleteTags).
        Map<String, String> requestTags = tags(p, "Tag", "Key", "Value");
        for (String id : indexed(p, "ResourceId")) {
          requests.add(new IamRequest("ec2:DeleteTags", ec2Arn(region, id), why)
              .with("aws:TagKeys", requestTags.keySet().toArray(String[]::new))
              .withTags("aws:ResourceTag/", call.resourceTags().getOrDefault(id, Map.of())));
        }
      }
      case "ec2:DeleteSnapshot" -> requests.add(new IamRequest("ec2:DeleteSnapshot", ec2Arn(region, p.get("SnapshotId")),
          why).withTags("aws:ResourceTag/", call.resourceTags().getOrDefault(p.get("SnapshotId"), Map.of())));
      case "ec2:StopInstances", "ec2:TerminateInstances" -> {
        for (String id : indexed(p, "InstanceId")) {
          requests.add(new IamRequest("ec2:" + call.operation(), ec2Arn(region, id), why)
              .withTags("aws:ResourceTag/", call.resourceTags().getOrDefault(id, Map.of())));
        }
      }
      case "ssm:SendCommand" -> {
        requests.add(new IamRequest("ssm:SendCommand", "arn:aws:ssm:" + region + "::document/" + p.get("DocumentName"),
            why));
        for (String id : indexed(p, "InstanceIds")) {
          requests.add(new IamRequest("ssm:SendCommand", ec2Arn(region, id), why)
              .withTags("ssm:resourceTag/", call.resourceTags().getOrDefault(id, Map.of())));
        }
      }
      case "ssm:PutParameter", "ssm:DeleteParameter", "ssm:GetParameter" -> {
        requests.add(new IamRequest("ssm:" + call.operation(), parameterArn(region, p.get("Name")), why));
        // Tags given to PutParameter are added with AddTagsToResource's permission (Parameter Store user guide,
        // "Tagging parameters").
        if (p.containsKey("Tags.1.Key")) {
          requests.add(new IamRequest("ssm:AddTagsToResource", parameterArn(region, p.get("Name")), why));
        }
      }
      case "ssm:AddTagsToResource" ->
          requests.add(new IamRequest("ssm:AddTagsToResource", parameterArn(region, p.get("ResourceId")), why));
      case "ssm:GetParametersByPath" ->
          requests.add(new IamRequest("ssm:GetParametersByPath", parameterArn(region, p.get("Path")), why));
      case "ssm:DeleteParameters", "ssm:GetParameters" -> {
        for (String name : indexed(p, "Names")) {
          requests.add(new IamRequest("ssm:" + call.operation(), parameterArn(region, name), why));
        }
      }
      default -> throw new AssertionError("no IAM mapping for " + why + ": say which action, resource and condition"
          + " keys IAM checks for it (Service Authorization Reference) in " + WorkerCalls.class.getSimpleName());
    }
    return requests;
  }

  String stackArn(String region, String stackName) {
    return "arn:aws:cloudformation:" + region + ":" + account + ":stack/" + stackName + "/" + ANY_STACK_ID;
  }

  String ec2Arn(String region, String id) {
    if (id.startsWith("snap-")) {
      return "arn:aws:ec2:" + region + "::snapshot/" + id;
    }
    String type = id.startsWith("i-") ? "instance" : id.startsWith("vol-") ? "volume"
        : id.startsWith("lt-") ? "launch-template" : null;
    if (type == null) {
      throw new AssertionError("no EC2 resource type for ID " + id);
    }
    return "arn:aws:ec2:" + region + ":" + account + ":" + type + "/" + id;
  }

  String parameterArn(String region, String name) {
    return "arn:aws:ssm:" + region + ":" + account + ":parameter" + (name.startsWith("/") ? name : "/" + name);
  }

  /** {@code prefix.N.key} / {@code prefix.N.value} pairs, as the request log flattens tag lists. */
  static Map<String, String> tags(Map<String, String> parameters, String prefix, String key, String value) {
    Map<String, String> tags = new LinkedHashMap<>();
    for (int i = 1; parameters.containsKey(prefix + "." + i + "." + key); i++) {
      tags.put(parameters.get(prefix + "." + i + "." + key), parameters.getOrDefault(prefix + "." + i + "." + value, ""));
    }
    return tags;
  }

  /** Values of {@code name.1}, {@code name.2}, …. */
  static List<String> indexed(Map<String, String> parameters, String name) {
    List<String> values = new ArrayList<>();
    parameters.forEach((key, value) -> {
      Matcher m = INDEXED.matcher(key);
      if (m.matches() && m.group(1).equals(name)) {
        values.add(value);
      }
    });
    return values;
  }
}
