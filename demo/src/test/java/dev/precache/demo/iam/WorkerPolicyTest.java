package dev.precache.demo.iam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.demo.iam.IamPolicy.Decision;
import dev.precache.workflows.SnapshotLifecycle;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker policies ({@link WorkerPolicies}, together) without a cloud: what precache must not do is denied, and the
 * same request with the one thing that makes it precache's is allowed, so each denial comes from the condition that
 * names precache's resources, not from a policy that allows nothing. WorkerPolicyEndToEndTest checks the calls of real
 * runs.
 */
class WorkerPolicyTest {

  private static final String REGION = "us-west-2";
  private static final String ACCOUNT = "123456789012";
  private static final String INSTANCE = "arn:aws:ec2:" + REGION + ":" + ACCOUNT + ":instance/i-1";
  private static final String SNAPSHOT = "arn:aws:ec2:" + REGION + "::snapshot/snap-1";
  private static final String VIA = "aws:CalledVia";
  private static final String CLOUDFORMATION = "cloudformation.amazonaws.com";
  private static IamPolicy policy;

  @BeforeAll
  static void readPolicy() throws IOException {
    policy = WorkerPolicies.read();
  }

  @Test
  void everythingForbiddenIsDenied() {
    Map<String, Decision> decisions = new LinkedHashMap<>();
    ForbiddenRequests.of(REGION, ACCOUNT, "snap-1").forEach((what, request) -> decisions.put(what, policy.evaluate(request)));

    assertThat(decisions).hasSizeGreaterThanOrEqualTo(25).allSatisfy((what, decision) ->
        assertThat(decision).as(what).isNotEqualTo(Decision.ALLOWED));
  }

  @Test
  void commandsRunOnInstancesTaggedWithABuildOnly() {
    IamRequest command = new IamRequest("ssm:SendCommand", INSTANCE, "test");

    assertThat(policy.evaluate(command.with("ssm:resourceTag/precache:build-id", "b-1"))).isEqualTo(Decision.ALLOWED);
    assertThat(policy.evaluate(command.with("ssm:resourceTag/Name", "precache-b-1")))
        .isEqualTo(Decision.IMPLICITLY_DENIED);
  }

  @Test
  void aSnapshotIsDeletableOnceItsBuildMarkedItFailedOrRetentionExpiredItNeverWhilePublished() {
    IamRequest delete = new IamRequest("ec2:DeleteSnapshot", SNAPSHOT, "test").with("aws:ResourceTag/precache:build-id",
        "b-1");

    assertThat(policy.evaluate(delete.with("aws:ResourceTag/" + SnapshotLifecycle.STATE, SnapshotLifecycle.FAILED)))
        .isEqualTo(Decision.ALLOWED);
    assertThat(policy.evaluate(delete.with("aws:ResourceTag/" + SnapshotLifecycle.STATE, SnapshotLifecycle.BUILDING)))
        .as("not yet marked failed").isEqualTo(Decision.IMPLICITLY_DENIED);
    assertThat(policy.evaluate(delete.with("aws:ResourceTag/" + SnapshotLifecycle.STATE, SnapshotLifecycle.PUBLISHED)))
        .isEqualTo(Decision.IMPLICITLY_DENIED);
    assertThat(policy.evaluate(delete.with("aws:ResourceTag/" + SnapshotLifecycle.STATE, SnapshotLifecycle.PUBLISHED)
        .with("aws:ResourceTag/" + SnapshotLifecycle.RETENTION, SnapshotLifecycle.EXPIRED))).isEqualTo(Decision.ALLOWED);
    assertThat(policy.evaluate(delete)).as("made before the state tag").isEqualTo(Decision.IMPLICITLY_DENIED);
  }

  @Test
  void onlyABuildingSnapshotIsMarkedFailed() {
    IamRequest markFailed = new IamRequest("ec2:CreateTags", SNAPSHOT, "test")
        .with("aws:RequestTag/" + SnapshotLifecycle.STATE, SnapshotLifecycle.FAILED)
        .with("aws:TagKeys", SnapshotLifecycle.STATE);

    assertThat(policy.evaluate(markFailed.with("aws:ResourceTag/" + SnapshotLifecycle.STATE, SnapshotLifecycle.BUILDING)))
        .isEqualTo(Decision.ALLOWED);
    assertThat(policy.evaluate(markFailed.with("aws:ResourceTag/" + SnapshotLifecycle.STATE,
        SnapshotLifecycle.PUBLISHED))).isEqualTo(Decision.IMPLICITLY_DENIED);
  }

  @Test
  void onlyABuildsPublishedSnapshotIsCopiedAndTheCopyIsBornBuilding() {
    String copy = "arn:aws:ec2:us-east-1::snapshot/*";
    IamRequest source = new IamRequest("ec2:CopySnapshot", SNAPSHOT, "test")
        .with("aws:RequestTag/precache:build-id", "b-1")
        .with("aws:RequestTag/" + SnapshotLifecycle.STATE, SnapshotLifecycle.BUILDING);

    assertThat(policy.evaluate(source.with("aws:ResourceTag/precache:build-id", "b-1")
        .with("aws:ResourceTag/" + SnapshotLifecycle.STATE, SnapshotLifecycle.PUBLISHED))).isEqualTo(Decision.ALLOWED);
    assertThat(policy.evaluate(source.with("aws:ResourceTag/precache:build-id", "b-1")
        .with("aws:ResourceTag/" + SnapshotLifecycle.STATE, SnapshotLifecycle.BUILDING)))
        .as("one not yet published").isEqualTo(Decision.IMPLICITLY_DENIED);
    assertThat(policy.evaluate(source)).as("a snapshot precache did not make").isEqualTo(Decision.IMPLICITLY_DENIED);
    assertThat(policy.evaluate(new IamRequest("ec2:CopySnapshot", copy, "test")
        .with("aws:RequestTag/precache:build-id", "b-1")
        .with("aws:RequestTag/" + SnapshotLifecycle.STATE, SnapshotLifecycle.BUILDING))).isEqualTo(Decision.ALLOWED);
    assertThat(policy.evaluate(new IamRequest("ec2:CopySnapshot", copy, "test")
        .with("aws:RequestTag/precache:build-id", "b-1")
        .with("aws:RequestTag/" + SnapshotLifecycle.STATE, SnapshotLifecycle.PUBLISHED)))
        .as("a copy born published").isEqualTo(Decision.IMPLICITLY_DENIED);
  }

  @Test
  void instancesAreLaunchedThroughCloudFormationWithTheBuildTagOnly() {
    IamRequest launch = new IamRequest("ec2:RunInstances", INSTANCE, "test");

    assertThat(policy.evaluate(launch.with(VIA, CLOUDFORMATION).with("aws:RequestTag/precache:build-id", "b-1")))
        .isEqualTo(Decision.ALLOWED);
    assertThat(policy.evaluate(launch.with(VIA, CLOUDFORMATION))).isEqualTo(Decision.IMPLICITLY_DENIED);
    assertThat(policy.evaluate(launch.with("aws:RequestTag/precache:build-id", "b-1")))
        .isEqualTo(Decision.IMPLICITLY_DENIED);
  }

  @Test
  void stacksAreNamedPrecacheAndTaggedWithABuildOrAsTheBuilder() {
    String stacks = "arn:aws:cloudformation:" + REGION + ":" + ACCOUNT + ":stack/";

    assertThat(policy.evaluate(new IamRequest("cloudformation:CreateStack", stacks + "precache-b-1/1", "test")
        .with("aws:RequestTag/precache:build-id", "b-1"))).isEqualTo(Decision.ALLOWED);
    assertThat(policy.evaluate(new IamRequest("cloudformation:CreateStack", stacks + "other-b-1/1", "test")
        .with("aws:RequestTag/precache:build-id", "b-1"))).isEqualTo(Decision.IMPLICITLY_DENIED);
    assertThat(policy.evaluate(new IamRequest("cloudformation:UpdateStack", stacks + "precache-builder/1", "test")
        .with("aws:RequestTag/precache:component", "builder"))).isEqualTo(Decision.ALLOWED);
  }

  @Test
  void onlyTheBuilderRoleIsPassedAndOnlyToEc2() {
    String role = "arn:aws:iam::" + ACCOUNT + ":role/precache-builder-InstanceRole-1";

    assertThat(policy.evaluate(new IamRequest("iam:PassRole", role, "test")
        .with("iam:PassedToService", "ec2.amazonaws.com"))).isEqualTo(Decision.ALLOWED);
    assertThat(policy.evaluate(new IamRequest("iam:PassRole", role, "test")
        .with("iam:PassedToService", "ecs-tasks.amazonaws.com"))).isEqualTo(Decision.IMPLICITLY_DENIED);
    assertThat(policy.evaluate(new IamRequest("iam:PassRole", "arn:aws:iam::" + ACCOUNT + ":role/precache-x", "test")
        .with("iam:PassedToService", "ec2.amazonaws.com"))).isEqualTo(Decision.IMPLICITLY_DENIED);
  }
}
