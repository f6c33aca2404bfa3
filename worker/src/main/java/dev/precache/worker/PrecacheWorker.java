package dev.precache.worker;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.activities.AwsClients;
import dev.precache.activities.DockerConfig;
import dev.precache.activities.RegistryEndpoints;
import dev.precache.workflows.SnapshotBuildWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.envconfig.ClientConfigProfile;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code precache worker}: runs snapshot builds. Connects the way every Temporal tool does ({@code
 * TEMPORAL_ADDRESS}, {@code TEMPORAL_NAMESPACE}, {@code TEMPORAL_API_KEY}, {@code TEMPORAL_TLS_*}, or a profile of
 * the TOML config file), or with {@code --dev} to a Temporal server embedded in this process. Runs until SIGTERM
 * or SIGINT, then shuts down gracefully.
 */
@Command(name = "precache worker", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Run the precache worker.")
public final class PrecacheWorker implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(PrecacheWorker.class);

  @Option(names = "--dev", description = "Embed a Temporal server (in memory, 127.0.0.1 only) and use it.")
  boolean dev;

  @Option(names = "--dev-port", defaultValue = "7233", description = "Port of the embedded server (default: ${DEFAULT-VALUE}).")
  int devPort;

  @Option(names = "--aws-endpoint", paramLabel = "URL",
      description = "Send every AWS call to this endpoint (a simulator) instead of AWS.")
  URI awsEndpoint;

  @Option(names = "--registry-endpoint", paramLabel = "HOST=URL",
      description = "Reach the registry HOST (as written in image references, e.g. docker.io) at URL: a mirror or "
          + "a simulator (repeatable). Without one, https://HOST (docker.io: https://registry-1.docker.io).")
  Map<String, URI> registryEndpoints = new LinkedHashMap<>();

  @Option(names = "--registry-endpoints-file", paramLabel = "FILE",
      description = "A JSON object of HOST: URL registry endpoints (what a simulator's /_sim/registries answers); "
          + "--registry-endpoint entries win.")
  Path registryEndpointsFile;

  @Option(names = "--registry-config", paramLabel = "FILE", defaultValue = "${env:PRECACHE_REGISTRY_CONFIG}",
      description = "A docker config.json with registry logins for private registries other than ECR (ECR uses "
          + "the worker's AWS credentials); default: $PRECACHE_REGISTRY_CONFIG. Never logged.")
  Path registryConfig;

  @Option(names = "--aws-poll-interval", paramLabel = "MILLIS", defaultValue = "5000",
      description = "How often waits poll AWS, in milliseconds (default: ${DEFAULT-VALUE}); "
          + "lower it for a simulator that runs faster than real time.")
  long awsPollIntervalMillis;

  @Option(names = "--activities-only",
      description = "Run activities only, not workflows: for activity workers scaled or restarted apart from "
          + "workflow workers.")
  boolean activitiesOnly;

  @Option(names = "--max-concurrent-activities", defaultValue = "20",
      description = "Activities run at once (default: ${DEFAULT-VALUE}).")
  int maxConcurrentActivities;

  @Option(names = "--shutdown-grace", paramLabel = "SECONDS", defaultValue = "30",
      description = "On SIGTERM/SIGINT, how long running activities may finish before they are interrupted "
          + "(default: ${DEFAULT-VALUE}).")
  int shutdownGraceSeconds;

  public static void main(String[] args) {
    System.exit(new CommandLine(new PrecacheWorker()).execute(args));
  }

  /** The file's mapping, then the flags', which win. */
  RegistryEndpoints registryEndpoints() throws IOException {
    Map<String, URI> mapping = new LinkedHashMap<>();
    if (registryEndpointsFile != null) {
      Map<String, String> file = new ObjectMapper().readValue(registryEndpointsFile.toFile(),
          new TypeReference<Map<String, String>>() {});
      file.forEach((host, url) -> mapping.put(host, URI.create(url)));
    }
    mapping.putAll(registryEndpoints);
    return RegistryEndpoints.of(mapping);
  }

  @Override
  public Integer call() throws Exception {
    DevServer devServer = dev ? DevServer.start(devPort) : null;
    WorkflowServiceStubs stubs;
    WorkflowClient client;
    if (devServer != null) {
      stubs = WorkflowServiceStubs.newServiceStubs(
          WorkflowServiceStubsOptions.newBuilder().setTarget(devServer.target()).build());
      client = WorkflowClient.newInstance(stubs,
          WorkflowClientOptions.newBuilder().setNamespace(DevServer.NAMESPACE).build());
      log.info("embedded Temporal server on {} (in memory: builds are gone when this process ends)",
          devServer.target());
    } else {
      ClientConfigProfile profile = ClientConfigProfile.load();
      stubs = WorkflowServiceStubs.newServiceStubs(profile.toWorkflowServiceStubsOptions());
      client = WorkflowClient.newInstance(stubs, profile.toWorkflowClientOptions());
    }
    RegistryEndpoints registries = registryEndpoints();
    DockerConfig logins = registryConfig == null ? DockerConfig.empty() : DockerConfig.read(registryConfig);
    AwsClients aws = new AwsClients(awsEndpoint);
    BuildImplementations implementations =
        WorkerWiring.forAws(aws, Duration.ofMillis(awsPollIntervalMillis), registries, logins);
    WorkerHost host = activitiesOnly
        ? WorkerHost.startActivitiesOnly(client, implementations, maxConcurrentActivities)
        : WorkerHost.start(client, implementations, maxConcurrentActivities);
    log.info("polling task queue '{}' of namespace '{}' on {}; AWS endpoint: {}", SnapshotBuildWorkflow.TASK_QUEUE,
        client.getOptions().getNamespace(), stubs.getOptions().getTarget(),
        awsEndpoint == null ? "AWS" : awsEndpoint);
    log.info("registry endpoints: {}; registry logins for {} host(s){}", registries.mapping().isEmpty()
        ? "https://<host>" : registries.mapping(), logins.size(), registryConfig == null ? "" : " from " + registryConfig);

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutting down: no new tasks; running activities get {}s to finish", shutdownGraceSeconds);
      host.shutdown(Duration.ofSeconds(shutdownGraceSeconds));
      stubs.shutdown();
      aws.close();
      if (devServer != null) {
        try {
          devServer.close();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      log.info("stopped");
      stopped.countDown();
    }, "precache-worker-shutdown"));
    stopped.await();
    return CommandLine.ExitCode.OK;
  }
}
