package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.precache.activities.AwsClients;
import dev.precache.activities.DockerConfig;
import dev.precache.activities.RegistryActivitiesImpl;
import dev.precache.activities.RegistryEndpoints;
import dev.precache.simulator.SimClock;
import dev.precache.simulator.SimulatorServer;
import dev.precache.simulator.instance.CatalogImage;
import dev.precache.simulator.instance.RegistryCatalog;
import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.RegistryActivities;
import dev.precache.workflows.RegistryActivities.ResolveSpec;
import dev.precache.workflows.ResolvedImage;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The resolve activity against the simulator's registries, one loopback listener per registry host, each with
 * its own auth: the Bearer token flow for public registries, Basic {@code AWS:<password>} for ECR with a password
 * from the simulated GetAuthorizationToken (the worker's own AWS credentials), a docker config login for a
 * private registry; throttling with Retry-After. No password or token reaches a failure or a log.
 */
class SimulatedRegistryResolveTest {
  private static final String PRIVATE_HOST = "registry.example.com";
  private static final String PASSWORD = "s3cret-robot-password";
  private static final String PRIVATE_IMAGE = PRIVATE_HOST + "/team/app:v1";
  private static final String LLAMA = "quay.io/redhat-ai-services/modelcar-catalog:llama-3.1-8b-instruct";
  private static final String ECR_SAMPLE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/precache/sample-model:v1";

  private SimulatorServer simulator;
  private AwsClients aws;
  private TestActivityEnvironment env;
  private final Logger precacheLogs = (Logger) LoggerFactory.getLogger("dev.precache");
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeEach
  void start() throws Exception {
    Path overlay = BuildDirectory.newDirectory("registry-catalog-").resolve("private.yaml");
    Files.writeString(overlay, """
        registries:
          registry.example.com: {username: robot, password: %s}
        images:
          registry.example.com/team/app:v1:
            linux/amd64: [{size: 1 MB, unpacked: 2 MB}]
        """.formatted(PASSWORD));
    simulator = new SimulatorServer(0, new SimClock(0.01), RegistryCatalog.load(overlay)).start();
    aws = new AwsClients(URI.create(simulator.endpoint()),
        StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")));
    logs.start();
    precacheLogs.addAppender(logs);
    precacheLogs.setLevel(Level.ALL);
  }

  @AfterEach
  void stop() {
    precacheLogs.detachAppender(logs);
    if (env != null) {
      env.close();
    }
    aws.close();
    simulator.close();
  }

  private RegistryActivities activities(DockerConfig logins) {
    if (env != null) {
      env.close();
    }
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new RegistryActivitiesImpl(aws,
        RegistryEndpoints.of(simulator.registryEndpoints()), logins));
    return env.newActivityStub(RegistryActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofSeconds(30))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .build());
  }

  @Test
  void publicImagesResolveThroughTheTokenFlowAndEcrWithTheWorkersOwnCredentials() {
    List<ResolvedImage> resolved = activities(DockerConfig.empty()).resolveImages(
        new ResolveSpec(List.of(LLAMA, ECR_SAMPLE), List.of("linux/amd64", "linux/arm64")));

    assertThat(resolved).hasSize(4);
    for (ResolvedImage image : resolved) {
      CatalogImage served = simulator.cloud().catalog().find(image.image()).orElseThrow();
      assertThat(image.digest()).isEqualTo(served.indexDigest());
      assertThat(image.manifestDigest()).isEqualTo(served.platform(image.platform()).orElseThrow().digest());
    }
    ResolvedImage llamaAmd64 = resolved.get(0);
    ResolvedImage llamaArm64 = resolved.get(1);
    assertThat(llamaAmd64.layers()).hasSize(5);
    assertThat(llamaAmd64.layers().subList(1, 5)).as("the weight shards are the same blobs on both platforms")
        .isEqualTo(llamaArm64.layers().subList(1, 5));
    assertNoSecretLogged();
  }

  @Test
  void aPrivateRegistryTakesTheDockerConfigLoginAndRefusesWithoutOrWithAWrongOne() throws Exception {
    ResolveSpec spec = new ResolveSpec(List.of(PRIVATE_IMAGE), List.of("linux/amd64"));

    DockerConfig right = dockerConfig("robot", PASSWORD);
    DockerConfig guessed = dockerConfig("robot", "guessed");

    ResolvedImage resolved = activities(right).resolveImages(spec).get(0);
    ApplicationFailure none = failure(() -> activities(DockerConfig.empty()).resolveImages(spec));
    ApplicationFailure wrong = failure(() -> activities(guessed).resolveImages(spec));

    assertThat(resolved.digest()).isEqualTo(simulator.cloud().catalog().find(PRIVATE_IMAGE).orElseThrow().indexDigest());
    assertThat(none.getType()).isEqualTo(BuildFailures.UNAUTHORIZED);
    assertThat(none.isNonRetryable()).isTrue();
    assertThat(none.getOriginalMessage()).startsWith(PRIVATE_IMAGE + ": " + PRIVATE_HOST
        + " requires credentials and the worker has none for it");
    assertThat(wrong.getType()).isEqualTo(BuildFailures.UNAUTHORIZED);
    assertThat(wrong.getOriginalMessage()).startsWith(PRIVATE_IMAGE + ": GET manifest v1 (token) failed: HTTP 401")
        .doesNotContain("guessed", PASSWORD);
    assertNoSecretLogged();
  }

  /**
   * The docker config the worker reads is what crane, a client users have, reads: the same {@code auth} entry gets
   * crane the index digest the worker resolves, and without it the simulated registry refuses crane too. crane
   * reaches the registry at its loopback listener, so its copy of the entry is keyed by that address.
   */
  @Test
  void craneWithTheSameDockerConfigEntryReadsWhatTheWorkerResolves() throws Exception {
    Path crane = RequiredTool.onPathOr("crane", List.of());
    String listener = simulator.registryEndpoints().get(PRIVATE_HOST).getAuthority();
    String entry = "{\"auth\": \"" + Base64.getEncoder().encodeToString(("robot:" + PASSWORD)
        .getBytes(StandardCharsets.UTF_8)) + "\"}";
    Path forCrane = BuildDirectory.newDirectory("crane-docker-config-");
    Files.writeString(forCrane.resolve("config.json"), "{\"auths\": {\"" + listener + "\": " + entry + "}}");
    Path empty = BuildDirectory.newDirectory("crane-no-docker-config-");
    Files.writeString(empty.resolve("config.json"), "{\"auths\": {}}");
    String reference = listener + PRIVATE_IMAGE.substring(PRIVATE_HOST.length());

    ResolvedImage resolved = activities(dockerConfig("robot", PASSWORD))
        .resolveImages(new ResolveSpec(List.of(PRIVATE_IMAGE), List.of("linux/amd64"))).get(0);
    ProcessBuilder logged = new ProcessBuilder(crane.toString(), "digest", "--insecure", reference)
        .redirectErrorStream(true);
    logged.environment().put("DOCKER_CONFIG", forCrane.toString());
    Process withLogin = logged.start();
    ProcessBuilder anonymous = new ProcessBuilder(crane.toString(), "digest", "--insecure", reference)
        .redirectErrorStream(true);
    anonymous.environment().put("DOCKER_CONFIG", empty.toString());
    Process refused = anonymous.start();

    assertThat(withLogin.waitFor()).isZero();
    assertThat(new String(withLogin.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip())
        .isEqualTo(resolved.digest());
    assertThat(refused.waitFor()).isNotZero();
    assertThat(new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).contains("UNAUTHORIZED");
  }

  @Test
  void throttlingIsRetryableNoSoonerThanRetryAfter() {
    simulator.cloud().faults().addRegistryError("quay.io", "TOOMANYREQUESTS", 1.0, 42);

    ApplicationFailure throttled = failure(() -> activities(DockerConfig.empty()).resolveImages(
        new ResolveSpec(List.of(LLAMA), List.of("linux/amd64"))));

    assertThat(throttled.isNonRetryable()).isFalse();
    assertThat(throttled.getType()).isEqualTo("TransientRegistryError");
    assertThat(throttled.getOriginalMessage()).contains("HTTP 429 TOOMANYREQUESTS");
    assertThat(throttled.getNextRetryDelay()).isEqualTo(Duration.ofSeconds(42));
  }

  private DockerConfig dockerConfig(String user, String password) throws Exception {
    String auth = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    Path file = BuildDirectory.newDirectory("docker-config-").resolve("config.json");
    Files.writeString(file, "{\"auths\": {\"https://" + PRIVATE_HOST + "/v1/\": {\"auth\": \"" + auth + "\"}}}");
    return DockerConfig.read(file);
  }

  private void assertNoSecretLogged() {
    String text = logs.list.stream().map(ILoggingEvent::getFormattedMessage).collect(Collectors.joining("\n"));
    assertThat(logs.list).isNotEmpty();
    assertThat(text).doesNotContain(PASSWORD, "Bearer ", "Basic ");
  }

  private static ApplicationFailure failure(Runnable call) {
    ActivityFailure failed = catchThrowableOfType(ActivityFailure.class, call::run);
    assertThat(failed).as("the call fails").isNotNull();
    return (ApplicationFailure) failed.getCause();
  }
}
