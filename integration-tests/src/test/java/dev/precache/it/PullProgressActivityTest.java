package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.activities.AwsClients;
import dev.precache.activities.InstanceActivitiesImpl;
import dev.precache.simulator.SimClock;
import dev.precache.simulator.SimulatorServer;
import dev.precache.simulator.instance.CatalogImage;
import dev.precache.simulator.instance.RegistryCatalog;
import dev.precache.workflows.BuildIdentity;
import dev.precache.workflows.CachedImage;
import dev.precache.workflows.InstanceActivities;
import dev.precache.workflows.InstanceActivities.PullProgress;
import dev.precache.workflows.InstanceActivities.PullSpec;
import dev.precache.workflows.ResolvedLayer;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.testing.TestActivityEnvironment;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;
import software.amazon.awssdk.services.ssm.model.PingStatus;

/**
 * The pull activity over the real SDK against the simulator's instance: while containerd downloads, the pull
 * heartbeats its command with the bytes its layers have on the instance ({@code ctr content active} and
 * {@code ctr content ls}, probed beside the pull's own command), of its resolved total, and a rate.
 */
class PullProgressActivityTest {
  private static final String REGION = "us-west-2";
  private static final String LLAMA = "quay.io/redhat-ai-services/modelcar-catalog:llama-3.1-8b-instruct";
  private static final BuildIdentity IDENTITY = BuildIdentity.of("precache-progress-0123456789abcdef", "run-1", "progress");
  /** Real seconds per simulated second: LLAMA's 16 GB at gp3's 125 MiB/s take ~2 simulated minutes, ~6 real s. */
  private static final double TIME_SCALE = 0.05;
  private static final Duration POLL_INTERVAL = Duration.ofMillis(20);

  private SimulatorServer simulator;
  private AwsClients aws;
  private TestActivityEnvironment env;
  private InstanceActivities activities;
  private final List<Object> heartbeats = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void start() throws Exception {
    simulator = new SimulatorServer(0, new SimClock(TIME_SCALE), RegistryCatalog.defaults()).start();
    aws = new AwsClients(URI.create(simulator.endpoint()),
        StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")));
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new InstanceActivitiesImpl(aws, POLL_INTERVAL));
    env.setActivityHeartbeatListener(Object.class, heartbeats::add);
    activities = env.newActivityStub(InstanceActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(2))
        // Heartbeats reach the listener at most every 0.8 heartbeat timeouts, as they reach the server.
        .setHeartbeatTimeout(Duration.ofSeconds(1))
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
  void aPullHeartbeatsItsCommandWithBytesThatGrowToItsTotalAndARate() throws Exception {
    String instanceId = onlineInstance();
    CatalogImage.PlatformManifest llama = simulator.cloud().catalog().find(LLAMA).orElseThrow()
        .platform("linux/amd64").orElseThrow();
    List<ResolvedLayer> layers = llama.layers().stream()
        .map(layer -> new ResolvedLayer(layer.digest(), "application/vnd.oci.image.layer.v1.tar+gzip", layer.size()))
        .toList();
    long total = layers.stream().mapToLong(ResolvedLayer::compressedBytes).sum();

    CachedImage pulled = activities.pullImage(new PullSpec(REGION, instanceId, IDENTITY, LLAMA, "linux/amd64", layers));

    assertThat(pulled.image()).isEqualTo(LLAMA);
    // Heartbeats as the CLI decodes them from the server's pending activities; the command ID alone carries none.
    ObjectMapper json = new ObjectMapper();
    List<PullProgress> probed = heartbeats.stream().filter(Map.class::isInstance)
        .map(details -> json.convertValue(details, PullProgress.class))
        .filter(progress -> progress.downloadedBytes() != null).toList();
    assertThat(probed).as("heartbeats with figures").hasSizeGreaterThanOrEqualTo(3);
    assertThat(probed).allSatisfy(progress -> {
      assertThat(progress.image()).isEqualTo(LLAMA);
      assertThat(progress.platform()).isEqualTo("linux/amd64");
      assertThat(progress.commandId()).isNotBlank();
      assertThat(progress.totalBytes()).isEqualTo(total);
      assertThat(progress.downloadedBytes()).isBetween(0L, total);
    });
    // Each heartbeat names the pull's one command, never a probe's: a retry resumes the pull from it.
    assertThat(probed).extracting(PullProgress::commandId).containsOnly(probed.get(0).commandId());
    List<Long> downloaded = probed.stream().map(PullProgress::downloadedBytes).distinct().toList();
    assertThat(downloaded).as("distinct figures, in the order heartbeated").hasSizeGreaterThanOrEqualTo(3).isSorted();
    assertThat(downloaded.get(0)).isLessThan(total / 2);
    // Some probe found the pull under way, with a rate no faster than the instance could download.
    assertThat(probed).anySatisfy(progress -> {
      assertThat(progress.downloadedBytes()).isBetween(1L, total - 1);
      assertThat(progress.bytesPerSecond()).isNotNull().isBetween(1L, 10_000_000_000L);
    });
  }

  /** The build instance of our template, Online in SSM. */
  private String onlineInstance() throws Exception {
    var cfn = aws.cloudFormation(REGION);
    String template = Files.readString(Path.of("../deploy/cloudformation/build-instance.yaml"));
    cfn.createStack(r -> r.stackName("precache-progress")
        .templateBody(template)
        .capabilities(Capability.CAPABILITY_IAM)
        .parameters(parameter("AmiId", "/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest/image_id"),
            parameter("InstanceType", "m5.large"), parameter("BuildId", "progress"), parameter("BuildName", "progress"),
            parameter("VolumeSize", "100")));
    for (int i = 0; i < 2000; i++) {
      var stack = cfn.describeStacks(r -> r.stackName("precache-progress")).stacks().get(0);
      if (stack.stackStatus() == StackStatus.CREATE_COMPLETE) {
        String instanceId = stack.outputs().stream().filter(o -> o.outputKey().equals("InstanceId")).findFirst()
            .orElseThrow().outputValue();
        var info = aws.ssm(REGION).describeInstanceInformation(r -> r.filters(f -> f.key("InstanceIds")
            .values(instanceId))).instanceInformationList();
        if (!info.isEmpty() && info.get(0).pingStatus() == PingStatus.ONLINE) {
          return instanceId;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the build instance never came Online");
  }

  private static Parameter parameter(String key, String value) {
    return Parameter.builder().parameterKey(key).parameterValue(value).build();
  }
}
