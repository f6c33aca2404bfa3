package dev.precache.demo;

import static dev.precache.demo.SimulatedCloudAssertions.assertNothingLeft;
import static dev.precache.demo.SimulatedCloudAssertions.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.demo.LocalCloud.CliRun;
import dev.precache.simulator.Cloud;
import dev.precache.simulator.RequestLog.Call;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A cancel that lands while CloudFormation throttles every CreateStack. The deploy attempt that is still asking
 * must not create the stack after teardown has looked for it: that used to leave a CREATE_COMPLETE stack, a
 * running instance and its volumes behind a build that ended CANCELED. The build brings its own role (-R), so
 * the only CreateStack is its own stack's: the shared builder stack is not fenced, as a late creation of it is
 * what the next build would make anyway.
 */
class CancelDuringDeployEndToEndTest {
  private static final String BUSYBOX = "docker.io/library/busybox:latest";
  /**
   * Longer than the AWS SDK's largest backoff between its own retries of a throttled call (20 s in the standard
   * retry mode): a CreateStack still in flight when the build closed has been sent again by then.
   */
  private static final Duration LONGER_THAN_SDK_BACKOFF = Duration.ofSeconds(25);

  private LocalCloud local;

  @AfterEach
  void stop() throws Exception {
    if (local != null) {
      local.close();
    }
  }

  @Test
  void cancelWhileCreateStackIsThrottledLeavesNoStackOnceTheThrottlingEnds() throws Exception {
    local = LocalCloud.start(0.005);
    Cloud cloud = local.cloud();
    cloud.faults().addError("cloudformation", "CreateStack", "Throttling", 1.0);
    CliRun started = local.runCli("build", "-r", LocalCloud.REGION, "-R", "team-build-role", "--detach", "-q",
        BUSYBOX);
    assertThat(started.exitCode()).as(started.err()).isZero();
    String workflowId = started.out().strip();
    // The SDK sends a throttled call three times; a fourth comes from the activity asking again.
    awaitUntil("four throttled CreateStack calls", Duration.ofSeconds(90), () -> createStackCalls(cloud).size() >= 4);

    CliRun cancel = local.runCli("cancel", workflowId);
    CliRun watched = local.runCli("watch", workflowId);
    assertThat(cancel.exitCode()).as(cancel.err()).isZero();
    assertThat(watched.exitCode()).isEqualTo(1);
    assertThat(watched.err()).contains("error: build cancelled at [2/9] Deploying build instance stack (teardown done)");
    int callsWhenClosed = createStackCalls(cloud).size();
    cloud.faults().clear();
    Thread.sleep(LONGER_THAN_SDK_BACKOFF.toMillis());

    assertThat(createStackCalls(cloud)).as("CreateStack calls after the build closed").hasSize(callsWhenClosed);
    assertThat(createStackCalls(cloud)).as("every CreateStack call was throttled")
        .allSatisfy(call -> assertThat(call.errorCode()).isEqualTo("Throttling"));
    assertThat(cloud.allStacks()).as("stacks ever created, deleted ones included").isEmpty();
    assertNothingLeft(cloud);
  }

  private static List<Call> createStackCalls(Cloud cloud) {
    return cloud.requests().calls("cloudformation", "CreateStack");
  }
}
