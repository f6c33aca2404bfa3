package dev.precache.demo;

import dev.precache.activities.AwsClients;
import dev.precache.activities.DockerConfig;
import dev.precache.activities.RegistryEndpoints;
import dev.precache.simulator.SimClock;
import dev.precache.simulator.instance.RegistryCatalog;
import dev.precache.simulator.Cloud;
import dev.precache.simulator.SimulatorServer;
import dev.precache.starter.PrecacheCli;
import dev.precache.starter.TemporalConnection;
import dev.precache.worker.DevServer;
import dev.precache.worker.WorkerHost;
import dev.precache.worker.WorkerWiring;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * precache in one JVM on loopback: the AWS simulator, the embedded Temporal server on a free port of 127.0.0.1,
 * and (unless asked not to) a worker wired to the simulator with dummy credentials. Nothing it starts talks to
 * a host other than 127.0.0.1: credentials are static, builds name their region, and the SDK's EC2 metadata
 * lookups are switched off.
 */
public final class LocalCloud implements AutoCloseable {
  public static final String REGION = "us-west-2";
  public static final String ACCESS_KEY_ID = "test";
  public static final String SECRET_ACCESS_KEY = "test";

  /** The worker's production poll interval (5 s) at time scale 1; scaled down with the simulator's clock. */
  static final Duration POLL_INTERVAL_AT_SCALE_1 = Duration.ofSeconds(5);
  private static final Duration MIN_POLL_INTERVAL = Duration.ofMillis(20);
  private static final Duration MIN_HEARTBEAT_DETAILS_EVERY = Duration.ofMillis(200);
  private static final Duration CLI_POLL_INTERVAL = Duration.ofMillis(250);
  /** Enough for an idle worker to stop its pollers; a running activity is interrupted after it. */
  private static final Duration WORKER_SHUTDOWN_GRACE = Duration.ofSeconds(2);

  private final double timeScale;
  private final List<AutoCloseable> started = new ArrayList<>();
  private SimulatorServer simulator;
  private DevServer temporal;
  private WorkflowClient client;
  private WorkerHost worker;
  /** The registry logins the worker holds, kept for a worker started again on a fresh server. */
  private DockerConfig logins = DockerConfig.empty();

  private LocalCloud(double timeScale) {
    this.timeScale = timeScale;
  }

  /** For command-line tools built on it: the worker, SDK and simulator speak only when something is wrong. */
  public static void quietLogging() {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
  }

  /** The simulator, the Temporal server and an in-process worker. */
  public static LocalCloud start(double timeScale) throws IOException, InterruptedException {
    return start(timeScale, WorkerHost.DEFAULT_MAX_CONCURRENT_ACTIVITIES);
  }

  /** As {@link #start(double)}, with a worker of {@code activitySlots} activity slots. */
  public static LocalCloud start(double timeScale, int activitySlots) throws IOException, InterruptedException {
    LocalCloud cloud = serversOnly(timeScale);
    cloud.startWorker(activitySlots, DockerConfig.empty());
    return cloud;
  }

  /** As {@link #start(double)}, the registries serving {@code catalog}, the worker holding {@code logins}. */
  public static LocalCloud start(double timeScale, RegistryCatalog catalog, DockerConfig logins)
      throws IOException, InterruptedException {
    LocalCloud cloud = serversOnly(timeScale, catalog);
    cloud.startWorker(WorkerHost.DEFAULT_MAX_CONCURRENT_ACTIVITIES, logins);
    return cloud;
  }

  /** The simulator and the Temporal server, without a worker: for a worker run elsewhere (another process). */
  public static LocalCloud serversOnly(double timeScale) throws IOException, InterruptedException {
    return serversOnly(timeScale, RegistryCatalog.defaults());
  }

  private static LocalCloud serversOnly(double timeScale, RegistryCatalog catalog)
      throws IOException, InterruptedException {
    // Set before any AWS SDK client exists: nothing may fall back to 169.254.169.254.
    System.setProperty("aws.disableEc2Metadata", "true");
    LocalCloud cloud = new LocalCloud(timeScale);
    try {
      cloud.simulator = new SimulatorServer(0, new SimClock(timeScale), catalog).start();
      cloud.started.add(cloud.simulator);
      cloud.temporal = DevServer.start(0);
      cloud.started.add(cloud.temporal);
      WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
          WorkflowServiceStubsOptions.newBuilder().setTarget(cloud.temporal.target()).build());
      cloud.started.add(stubs::shutdown);
      cloud.client = WorkflowClient.newInstance(stubs,
          WorkflowClientOptions.newBuilder().setNamespace(DevServer.NAMESPACE).build());
      return cloud;
    } catch (IOException | InterruptedException | RuntimeException e) {
      try {
        cloud.close();
      } catch (Exception closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  /**
   * Kills the worker and the in-memory Temporal server, as when the process of {@code worker --dev} without the
   * Temporal CLI dies: its builds, and their teardown, die with it and what they made stays in the simulator. Then
   * starts a fresh server and worker on the same simulator.
   */
  public void replaceTemporal() throws IOException, InterruptedException {
    worker.shutdown(Duration.ZERO);
    client.getWorkflowServiceStubs().shutdownNow();
    temporal.close();
    started.remove(temporal);
    temporal = DevServer.start(0);
    started.add(temporal);
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
    started.add(stubs::shutdown);
    client = WorkflowClient.newInstance(stubs,
        WorkflowClientOptions.newBuilder().setNamespace(DevServer.NAMESPACE).build());
    startWorker(WorkerHost.DEFAULT_MAX_CONCURRENT_ACTIVITIES, logins);
  }

  private void startWorker(int activitySlots, DockerConfig logins) {
    this.logins = logins;
    AwsClients aws = new AwsClients(URI.create(simulator.endpoint()),
        StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY_ID, SECRET_ACCESS_KEY)), pollInterval());
    started.add(aws);
    worker = WorkerHost.start(client, WorkerWiring.forAws(aws, pollInterval(), registryEndpoints(), logins),
        activitySlots, heartbeatDetailsEvery());
    started.add(() -> worker.shutdown(WORKER_SHUTDOWN_GRACE));
  }

  /** How often the worker polls the simulator: the production interval on the simulator's clock. */
  public Duration pollInterval() {
    Duration scaled = Duration.ofNanos((long) (POLL_INTERVAL_AT_SCALE_1.toNanos() * timeScale));
    return scaled.compareTo(MIN_POLL_INTERVAL) < 0 ? MIN_POLL_INTERVAL : scaled;
  }

  /** The poll interval, but no heartbeat RPC more often than a few a second per activity on a shared machine. */
  private Duration heartbeatDetailsEvery() {
    return pollInterval().compareTo(MIN_HEARTBEAT_DETAILS_EVERY) < 0 ? MIN_HEARTBEAT_DETAILS_EVERY : pollInterval();
  }

  public double timeScale() {
    return timeScale;
  }

  public WorkflowClient client() {
    return client;
  }

  /** The simulated cloud's state, inspection and faults. */
  public Cloud cloud() {
    return simulator.cloud();
  }

  /** {@code http://127.0.0.1:PORT} of the simulator, for a worker's {@code --aws-endpoint}. */
  public String simulatorEndpoint() {
    return simulator.endpoint();
  }

  /** Each simulated registry host (docker.io, quay.io, ECR …) at its loopback URL, for the worker's mapping. */
  public RegistryEndpoints registryEndpoints() {
    return RegistryEndpoints.of(simulator.registryEndpoints());
  }

  /** {@code 127.0.0.1:PORT} of the Temporal server, for a worker's {@code TEMPORAL_ADDRESS}. */
  public String temporalTarget() {
    return temporal.target();
  }

  /** Runs one {@code precache} CLI command against this cloud's Temporal server, printing to the given writers. */
  public int runCli(PrintWriter out, PrintWriter err, String... args) {
    return new PrecacheCli(() -> TemporalConnection.borrowing(client), CLI_POLL_INTERVAL).commandLine()
        .setOut(out)
        .setErr(err)
        .execute(args);
  }

  /** Runs one {@code precache} CLI command and captures what it printed. */
  public CliRun runCli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode = runCli(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new CliRun(exitCode, out.toString(), err.toString());
  }

  /** What one CLI command printed and how it exited. */
  public record CliRun(int exitCode, String out, String err) {}

  /**
   * Stops the worker first (its activities are interrupted), then the Temporal server, then the simulator. Every
   * part is closed, each holding a port or threads; the first failure is thrown after.
   */
  @Override
  public void close() throws Exception {
    List<AutoCloseable> reverse = new ArrayList<>(started);
    Collections.reverse(reverse);
    started.clear();
    Exception first = null;
    for (AutoCloseable part : reverse) {
      try {
        part.close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
