package dev.precache.it;

import dev.precache.activities.AwsClients;
import dev.precache.activities.DockerConfig;
import dev.precache.worker.WorkerHost;
import dev.precache.worker.WorkerWiring;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The production worker (real workflow, real AWS activities) in this JVM, polling the dev server and calling the
 * simulated cloud. Register it after both, with {@code @Order} (JUnit orders unannotated extension
 * fields unpredictably): it then starts after them and stops before them.
 */
final class InProcessWorker implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
  /** How often activities poll AWS: a few seconds of simulated time at the tests' time scales. */
  static final Duration AWS_POLL_INTERVAL = Duration.ofMillis(50);

  private final TemporalDevServer temporal;
  private final SimulatedAws aws;
  private AwsClients clients;
  private WorkerHost host;

  InProcessWorker(TemporalDevServer temporal, SimulatedAws aws) {
    this.temporal = temporal;
    this.aws = aws;
  }

  /** A worker for one test case, not bound to a test class: close it before the case's cloud. */
  static InProcessWorker started(TemporalDevServer temporal, SimulatedAws aws) {
    InProcessWorker worker = new InProcessWorker(temporal, aws);
    worker.start();
    return worker;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  private void start() {
    clients = aws.newAwsClients();
    host = WorkerHost.start(temporal.client(), WorkerWiring.forAws(clients, AWS_POLL_INTERVAL,
            aws.registryEndpoints(), DockerConfig.empty()),
        WorkerHost.DEFAULT_MAX_CONCURRENT_ACTIVITIES);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  @Override
  public void close() {
    if (host != null) {
      host.shutdown(Duration.ofSeconds(5));
    }
    if (clients != null) {
      clients.close();
    }
  }
}
