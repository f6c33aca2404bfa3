package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.precache.activities.AwsClients;
import dev.precache.activities.InstanceActivitiesImpl;
import dev.precache.simulator.SimClock;
import dev.precache.simulator.SimulatorServer;
import dev.precache.simulator.instance.RegistryCatalog;
import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.InstanceActivities;
import dev.precache.workflows.InstanceCapacity;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** The instance-type lookup activity, over the real SDK, against the simulator's DescribeInstanceTypes. */
class InstanceCapacityActivityTest {
  private SimulatorServer simulator;
  private AwsClients aws;
  private TestActivityEnvironment env;
  private InstanceActivities activities;

  @BeforeEach
  void start() throws Exception {
    simulator = new SimulatorServer(0, new SimClock(0.01), RegistryCatalog.defaults()).start();
    aws = new AwsClients(URI.create(simulator.endpoint()),
        StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")));
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new InstanceActivitiesImpl(aws, Duration.ofMillis(1)));
    activities = env.newActivityStub(InstanceActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofSeconds(30))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .build());
  }

  @AfterEach
  void stop() {
    env.close();
    aws.close();
    simulator.close();
  }

  @Test
  void theTypeAndItsFamilyWithBaselineAndPeak() {
    InstanceCapacity.Family m5 = activities.describeInstanceCapacity("us-west-2", "m5.large");

    assertThat(m5.instance()).isEqualTo(new InstanceCapacity("m5.large", 2, 0.75, 10));
    assertThat(m5.family()).extracting(InstanceCapacity::instanceType)
        .contains("m5.large", "m5.4xlarge", "m5.24xlarge").allMatch(type -> type.startsWith("m5."));
    assertThat(m5.family()).contains(new InstanceCapacity("m5.4xlarge", 16, 5, 10));
    // p4d's four cards of 100 Gbit/s add up.
    assertThat(activities.describeInstanceCapacity("us-west-2", "p4d.24xlarge").instance())
        .isEqualTo(new InstanceCapacity("p4d.24xlarge", 96, 400, 400));
  }

  /** Half and more of the calls refused, as in bench/api-storm: one attempt still answers, or fails as it should. */
  @Test
  void anApiStormIsRiddenOutInOneAttempt() {
    simulator.cloud().faults().addError("ec2", "DescribeInstanceTypes", "RequestLimitExceeded", 0.5);
    simulator.cloud().faults().addError("ec2", "DescribeInstanceTypes", "InternalError", 0.5);

    InstanceCapacity.Family m5 = activities.describeInstanceCapacity("us-west-2", "m5.large");
    Throwable notOffered = catchThrowable(() -> activities.describeInstanceCapacity("us-west-2", "g6.huge"));
    // Three tries in four refused: over four families' reads, all first tries answered once in 256 runs.
    for (String other : List.of("c5.large", "t3.large", "g5.xlarge")) {
      assertThat(activities.describeInstanceCapacity("us-west-2", other).instance().instanceType()).isEqualTo(other);
    }

    assertThat(m5.instance()).isEqualTo(new InstanceCapacity("m5.large", 2, 0.75, 10));
    assertThat(((ApplicationFailure) notOffered.getCause()).getType()).isEqualTo(BuildFailures.INVALID_REQUEST);
    assertThat(simulator.cloud().requests().calls("ec2", "DescribeInstanceTypes"))
        .filteredOn(call -> call.errorCode() != null).isNotEmpty();
  }

  /** Instance types do not change: a worker reads each family once, one read serving the type and its family. */
  @Test
  void aFamilyIsReadOncePerWorkerForAllItsTypes() {
    activities.describeInstanceCapacity("us-west-2", "m5.large");
    activities.describeInstanceCapacity("us-west-2", "m5.large");
    InstanceCapacity.Family m5 = activities.describeInstanceCapacity("us-west-2", "m5.4xlarge");
    Throwable notOffered = catchThrowable(() -> activities.describeInstanceCapacity("us-west-2", "m5.huge"));
    activities.describeInstanceCapacity("us-east-1", "m5.large");

    assertThat(m5.instance()).isEqualTo(new InstanceCapacity("m5.4xlarge", 16, 5, 10));
    assertThat(((ApplicationFailure) notOffered.getCause()).getType()).isEqualTo(BuildFailures.INVALID_REQUEST);
    // One read per region of the family; the region's own, as another region may offer other types.
    assertThat(simulator.cloud().requests().calls("ec2", "DescribeInstanceTypes"))
        .extracting(call -> call.region()).containsExactly("us-west-2", "us-east-1");
  }

  @Test
  void aTypeEc2DoesNotOfferIsAnInvalidRequest() {
    Throwable thrown = catchThrowable(() -> activities.describeInstanceCapacity("us-west-2", "m5.huge"));

    assertThat(thrown).isInstanceOf(ActivityFailure.class);
    ApplicationFailure failure = (ApplicationFailure) thrown.getCause();
    assertThat(failure.getType()).isEqualTo(BuildFailures.INVALID_REQUEST);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage()).isEqualTo("instance type m5.huge does not exist in us-west-2");
  }
}
