package dev.precache.demo.iam;

import dev.precache.workflows.SnapshotLifecycle;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Requests the worker policies ({@link WorkerPolicies}) must refuse, each named by what it would let a worker (or a bug
 * in it) do: the list (a shell on any instance, deleting good snapshots, untagged launches, stacks and roles
 * not precache's) and the ways around the tag contract ({@link SnapshotLifecycle}).
 */
public final class ForbiddenRequests {

  private ForbiddenRequests() {}

  /** @param published the ID of a snapshot tagged published */
  public static Map<String, IamRequest> of(String region, String account, String published) {
    String snapshots = "arn:aws:ec2:" + region + "::snapshot/";
    String instances = "arn:aws:ec2:" + region + ":" + account + ":instance/";
    Map<String, String> publishedTags = Map.of("precache:build-id", "b-1", SnapshotLifecycle.STATE,
        SnapshotLifecycle.PUBLISHED);
    IamRequest viaCloudFormation = new IamRequest("ec2:RunInstances", instances + "i-1", "forbidden")
        .with("aws:CalledVia", "cloudformation.amazonaws.com");
    Map<String, IamRequest> forbidden = new LinkedHashMap<>();
    forbidden.put("a root shell on an instance that is not a build's",
        new IamRequest("ssm:SendCommand", instances + "i-production", "forbidden")
            .with("ssm:resourceTag/team", "ml"));
    forbidden.put("run another SSM document on a build instance",
        new IamRequest("ssm:SendCommand", "arn:aws:ssm:" + region + "::document/AWS-RunPowerShellScript", "forbidden"));
    forbidden.put("delete a published snapshot", new IamRequest("ec2:DeleteSnapshot", snapshots + published,
        "forbidden").withTags("aws:ResourceTag/", publishedTags));
    forbidden.put("delete a snapshot precache did not make", new IamRequest("ec2:DeleteSnapshot", snapshots + "snap-x",
        "forbidden").with("aws:ResourceTag/Name", "database-backup"));
    forbidden.put("expire a snapshot precache did not make", new IamRequest("ec2:CreateTags", snapshots + "snap-x",
        "forbidden").with("aws:ResourceTag/Name", "database-backup")
        .with("aws:RequestTag/" + SnapshotLifecycle.RETENTION, SnapshotLifecycle.EXPIRED)
        .with("aws:TagKeys", SnapshotLifecycle.RETENTION));
    forbidden.put("tag another snapshot key alongside a nodeclass", new IamRequest("ec2:CreateTags",
        snapshots + published, "forbidden").withTags("aws:ResourceTag/", publishedTags)
        .with("aws:RequestTag/" + SnapshotLifecycle.NODECLASS, "ctx/gpu")
        .with("aws:RequestTag/" + SnapshotLifecycle.STATE, SnapshotLifecycle.FAILED)
        .with("aws:TagKeys", SnapshotLifecycle.NODECLASS, SnapshotLifecycle.STATE));
    forbidden.put("tag a snapshot precache did not make with a nodeclass", new IamRequest("ec2:CreateTags",
        snapshots + "snap-x", "forbidden").with("aws:ResourceTag/Name", "database-backup")
        .with("aws:RequestTag/" + SnapshotLifecycle.NODECLASS, "ctx/gpu")
        .with("aws:TagKeys", SnapshotLifecycle.NODECLASS));
    forbidden.put("remove a published snapshot's state tag, as if untagging a nodeclass", new IamRequest(
        "ec2:DeleteTags", snapshots + published, "forbidden").withTags("aws:ResourceTag/", publishedTags)
        .with("aws:TagKeys", SnapshotLifecycle.STATE));
    forbidden.put("turn a published snapshot back into a deletable one", new IamRequest("ec2:CreateTags",
        snapshots + published, "forbidden").withTags("aws:ResourceTag/", publishedTags)
        .with("aws:RequestTag/" + SnapshotLifecycle.STATE, SnapshotLifecycle.BUILDING)
        .with("aws:TagKeys", SnapshotLifecycle.STATE));
    forbidden.put("publish a snapshot and slip in another tag", new IamRequest("ec2:CreateTags", snapshots + "snap-b",
        "forbidden").with("aws:ResourceTag/" + SnapshotLifecycle.STATE, SnapshotLifecycle.BUILDING)
        .with("aws:RequestTag/" + SnapshotLifecycle.STATE, SnapshotLifecycle.PUBLISHED)
        .with("aws:RequestTag/Name", "x").with("aws:TagKeys", SnapshotLifecycle.STATE, "Name"));
    forbidden.put("create a snapshot that is born published", new IamRequest("ec2:CreateSnapshot", snapshots + "*",
        "forbidden").with("aws:RequestTag/precache:build-id", "b-1")
        .with("aws:RequestTag/" + SnapshotLifecycle.STATE, SnapshotLifecycle.PUBLISHED));
    forbidden.put("mark a published snapshot failed (then delete it)", new IamRequest("ec2:CreateTags",
        snapshots + published, "forbidden").withTags("aws:ResourceTag/", publishedTags)
        .with("aws:RequestTag/" + SnapshotLifecycle.STATE, SnapshotLifecycle.FAILED)
        .with("aws:TagKeys", SnapshotLifecycle.STATE));
    forbidden.put("copy a snapshot precache did not make", new IamRequest("ec2:CopySnapshot", snapshots + "snap-x",
        "forbidden").with("aws:ResourceTag/Name", "database-backup").with("aws:RequestTag/precache:build-id", "b-1")
        .with("aws:RequestTag/" + SnapshotLifecycle.STATE, SnapshotLifecycle.BUILDING));
    forbidden.put("share a snapshot precache did not make", new IamRequest("ec2:ModifySnapshotAttribute",
        snapshots + "snap-x", "forbidden").with("aws:ResourceTag/Name", "database-backup"));
    forbidden.put("delete a volume that is not a build's", new IamRequest("ec2:DeleteVolume",
        "arn:aws:ec2:" + region + ":" + account + ":volume/vol-db", "forbidden").with("aws:ResourceTag/Name", "db"));
    forbidden.put("terminate an instance directly that is not a build's", new IamRequest("ec2:TerminateInstances",
        instances + "i-production", "forbidden").with("aws:ResourceTag/Name", "production"));
    forbidden.put("snapshot a volume that is not a build's", new IamRequest("ec2:CreateSnapshot",
        "arn:aws:ec2:" + region + ":" + account + ":volume/vol-db", "forbidden").with("aws:ResourceTag/Name", "db"));
    forbidden.put("launch an instance without precache's tag", viaCloudFormation);
    forbidden.put("launch an instance directly, not through a stack", new IamRequest("ec2:RunInstances",
        instances + "i-1", "forbidden").with("aws:RequestTag/precache:build-id", "b-1"));
    forbidden.put("terminate an instance that is not a build's", new IamRequest("ec2:TerminateInstances",
        instances + "i-production", "forbidden").with("aws:CalledVia", "cloudformation.amazonaws.com")
        .with("aws:ResourceTag/aws:cloudformation:stack-name", "production"));
    forbidden.put("stop an instance that is not a build's", new IamRequest("ec2:StopInstances",
        instances + "i-production", "forbidden").with("aws:ResourceTag/Name", "production"));
    forbidden.put("tag an existing instance as a build's (then run commands on it)", new IamRequest("ec2:CreateTags",
        instances + "i-production", "forbidden").with("aws:RequestTag/precache:build-id", "b-1")
        .with("aws:TagKeys", "precache:build-id"));
    forbidden.put("create a stack not named precache-*", new IamRequest("cloudformation:CreateStack",
        "arn:aws:cloudformation:" + region + ":" + account + ":stack/production/1", "forbidden")
        .with("aws:RequestTag/precache:build-id", "b-1"));
    forbidden.put("create a precache-* stack without a build ID", new IamRequest("cloudformation:CreateStack",
        "arn:aws:cloudformation:" + region + ":" + account + ":stack/precache-x/1", "forbidden"));
    forbidden.put("read every stack's outputs and parameters (DescribeStacks without a name)", new IamRequest(
        "cloudformation:DescribeStacks", "*", "forbidden"));
    forbidden.put("describe a stack that is not precache's", new IamRequest("cloudformation:DescribeStacks",
        "arn:aws:cloudformation:" + region + ":" + account + ":stack/production/1", "forbidden"));
    forbidden.put("update a build stack (only the builder's is updated)", new IamRequest("cloudformation:UpdateStack",
        "arn:aws:cloudformation:" + region + ":" + account + ":stack/precache-b-1/1", "forbidden")
        .with("aws:RequestTag/precache:component", "builder"));
    forbidden.put("pass another role to EC2", new IamRequest("iam:PassRole",
        "arn:aws:iam::" + account + ":role/admin", "forbidden").with("iam:PassedToService", "ec2.amazonaws.com"));
    forbidden.put("pass the builder role to another service", new IamRequest("iam:PassRole",
        "arn:aws:iam::" + account + ":role/precache-builder-InstanceRole-1", "forbidden")
        .with("iam:PassedToService", "lambda.amazonaws.com"));
    forbidden.put("attach AdministratorAccess to the builder role", new IamRequest("iam:AttachRolePolicy",
        "arn:aws:iam::" + account + ":role/precache-builder-InstanceRole-1", "forbidden")
        .with("aws:CalledVia", "cloudformation.amazonaws.com")
        .with("iam:PolicyARN", "arn:aws:iam::aws:policy/AdministratorAccess"));
    forbidden.put("create a role directly, not through a stack", new IamRequest("iam:CreateRole",
        "arn:aws:iam::" + account + ":role/precache-builder-x", "forbidden"));
    forbidden.put("create a role not named precache-builder-*", new IamRequest("iam:CreateRole",
        "arn:aws:iam::" + account + ":role/admin", "forbidden").with("aws:CalledVia", "cloudformation.amazonaws.com"));
    forbidden.put("write a parameter outside /precache/", new IamRequest("ssm:PutParameter",
        "arn:aws:ssm:" + region + ":" + account + ":parameter/prod/db-password", "forbidden"));
    forbidden.put("delete the published snapshot's parameter", new IamRequest("ssm:DeleteParameter",
        "arn:aws:ssm:" + region + ":" + account + ":parameter/precache/iam/snapshot", "forbidden"));
    forbidden.put("read parameters outside the builds' credentials", new IamRequest("ssm:GetParametersByPath",
        "arn:aws:ssm:" + region + ":" + account + ":parameter/prod/", "forbidden"));
    forbidden.put("read a parked registry login back (only the build instance reads it)", new IamRequest(
        "ssm:GetParameter", "arn:aws:ssm:" + region + ":" + account + ":parameter/precache/builds/b-1/registry/"
        + "registry.example.com/0123456789abcdef", "forbidden"));
    forbidden.put("tag a parameter outside the builds' path", new IamRequest("ssm:AddTagsToResource",
        "arn:aws:ssm:" + region + ":" + account + ":parameter/prod/db-password", "forbidden"));
    forbidden.put("delete a parameter outside the builds' path", new IamRequest("ssm:DeleteParameter",
        "arn:aws:ssm:" + region + ":" + account + ":parameter/prod/db-password", "forbidden"));
    return forbidden;
  }

}
