package dev.precache.worker;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.activities.AwsClients;
import dev.precache.activities.DockerConfig;
import dev.precache.activities.RegistryEndpoints;
import dev.precache.workflows.BuildLogContext;
import dev.precache.workflows.SnapshotBuildWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.envconfig.ClientConfigProfile;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code precache worker}: runs snapshot builds. Connects the way every Temporal tool does ({@code
 * TEMPORAL_ADDRESS}, {@code TEMPORAL_NAMESPACE}, {@code TEMPORAL_API_KEY}, {@code TEMPORAL_TLS_*}, or a profile of
 * the TOML config file), or with {@code --dev} to a Temporal server embedded in this process. Runs until SIGTERM
 * or SIGINT, then shuts down gracefully.
 */
@Command(name = "precache worker", mixinStandardHelpOptions = true, sortOptions = false,
    versionProvider = WorkerVersion.class,
    description = {"Run the precache worker.",
        "Connects to the Temporal server TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_* or a "
            + "profile of the Temporal config file (TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE) name (default: "
            + "127.0.0.1:7233, namespace default), or with --dev to its own local server."})
public final class PrecacheWorker implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(PrecacheWorker.class);

  @Option(names = "--dev", description = "Run a local Temporal server on 127.0.0.1 and use it: the Temporal CLI's dev "
      + "server, keeping builds in a SQLite file so a restarted worker resumes them; without the Temporal CLI, an "
      + "in-memory server whose builds die with this process.")
  boolean dev;

  @Option(names = "--dev-port", paramLabel = "PORT",
      description = "Port of the --dev server (default: 7233, or a free port when 7233 is taken).")
  Integer devPort;

  @Option(names = "--dev-data-dir", paramLabel = "DIR",
      description = "Where the --dev server keeps dev.db, its log and PID (default: the user's data directory: "
          + "$XDG_DATA_HOME/precache or ~/.local/share/precache; ~/Library/Application Support/precache on macOS).")
  Path devDataDir;

  @Option(names = "--temporal-cli", paramLabel = "PATH",
      description = "The Temporal CLI binary for --dev (default: temporal on the PATH, then ~/go/bin/temporal).")
  Path temporalCli;

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

  @Option(names = {"--registry-config", "--registry-auth-file"}, paramLabel = "FILE",
      defaultValue = "${env:PRECACHE_REGISTRY_CONFIG}",
      description = "A docker config.json with registry logins for private registries other than ECR (ECR uses "
          + "the worker's AWS credentials and the instance role); default: $PRECACHE_REGISTRY_CONFIG, else "
          + "$DOCKER_CONFIG/config.json or ~/.docker/config.json when there is one. Never logged.")
  Path registryConfig;

  @Option(names = "--aws-poll-interval", paramLabel = "MILLIS", defaultValue = "5000",
      description = "How often waits poll AWS, in milliseconds (default: ${DEFAULT-VALUE}); "
          + "lower it for a simulator that runs faster than real time.")
  long awsPollIntervalMillis;

  @Option(names = "--activities-only",
      description = "Run activities only, not workflows: for activity workers scaled or restarted apart from "
          + "workflow workers.")
  boolean activitiesOnly;

  @Option(names = "--max-concurrent-activities", paramLabel = "N",
      description = "Activities run at once; most of them wait on AWS (default: "
          + WorkerHost.DEFAULT_MAX_CONCURRENT_ACTIVITIES + ").")
  int maxConcurrentActivities = WorkerHost.DEFAULT_MAX_CONCURRENT_ACTIVITIES;

  @Option(names = "--log-format", paramLabel = "text|json", defaultValue = "text",
      description = "text, or json: one JSON object per line (default: ${DEFAULT-VALUE}).")
  LogFormat logFormat;

  @Option(names = "--metrics-port", paramLabel = "PORT",
      description = "Serve GET /metrics (Prometheus), /livez and /readyz on this port (default: none). With it, a "
          + "namespace without precache's search attributes fails /readyz instead of stopping the worker.")
  Integer metricsPort;

  @Option(names = "--metrics-address", paramLabel = "HOST", defaultValue = "127.0.0.1",
      description = "The address --metrics-port listens on (default: ${DEFAULT-VALUE}; 0.0.0.0 in a pod).")
  String metricsAddress;

  @Option(names = "--shutdown-grace", paramLabel = "SECONDS", defaultValue = "30",
      description = "On SIGTERM/SIGINT, how long running activities may finish before they are interrupted "
          + "(default: ${DEFAULT-VALUE}).")
  int shutdownGraceSeconds;

  /** {@code --log-format}. */
  enum LogFormat { text, json }

  public static void main(String[] args) {
    CommandLine commandLine = new CommandLine(new PrecacheWorker()).setCaseInsensitiveEnumValuesAllowed(true);
    commandLine.setParameterExceptionHandler((e, ignored) -> {
      e.getCommandLine().getErr().println("error: " + e.getMessage() + "\n  see `precache worker --help`");
      return CommandLine.ExitCode.USAGE;
    });
    System.exit(commandLine.execute(args));
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
    if (logFormat == LogFormat.json) {
      useJsonLogs();
    }
    if (metricsPort != null && (metricsPort < 1 || metricsPort > 65535)) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--metrics-port " + metricsPort
          + " is not a port (1-65535)");
    }
    LocalTemporal devServer = dev ? startDevServer() : null;
    WorkerMetrics metrics = metricsPort != null ? new WorkerMetrics() : null;
    WorkflowServiceStubsOptions stubsOptions;
    WorkflowClientOptions clientOptions;
    if (devServer != null) {
      stubsOptions = WorkflowServiceStubsOptions.newBuilder().setTarget(devServer.target()).build();
      clientOptions = WorkflowClientOptions.newBuilder().setNamespace(DevServer.NAMESPACE).build();
    } else {
      ClientConfigProfile profile = ClientConfigProfile.load();
      stubsOptions = profile.toWorkflowServiceStubsOptions();
      clientOptions = profile.toWorkflowClientOptions();
    }
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(metrics == null ? stubsOptions
        : WorkflowServiceStubsOptions.newBuilder(stubsOptions).setMetricsScope(metrics.scope()).build());
    // The build name and step, set by the workflow, go with its activities onto their log lines.
    WorkflowClient client = WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder(clientOptions)
        .setContextPropagators(List.of(new BuildLogContext())).build());
    String namespace = client.getOptions().getNamespace();
    // A --dev server registers them as it starts.
    Optional<List<String>> missing = devServer != null ? Optional.of(List.of())
        : SearchAttributeCheck.missing(stubs, namespace);
    if (missing.isEmpty()) {
      log.warn("cannot list the search attributes of namespace '{}' on {}; if builds fail to start, register them "
          + "(README: Real AWS and a real Temporal cluster)", namespace, stubs.getOptions().getTarget());
    } else if (!missing.get().isEmpty() && metricsPort != null) {
      log.error("namespace '{}' on {} lacks the search attributes {}, so no build can start until they are "
          + "registered; /readyz fails meanwhile. Register them once:{}", namespace, stubs.getOptions().getTarget(),
          missing.get(), SearchAttributeCheck.registerCommands(missing.get()));
    } else if (!missing.get().isEmpty()) {
      log.error("namespace '{}' on {} lacks the search attributes {}, so no build could start; register them once:{}",
          namespace, stubs.getOptions().getTarget(), missing.get(), SearchAttributeCheck.registerCommands(missing.get()));
      stubs.shutdown();
      if (devServer != null) {
        devServer.close();
      }
      return CommandLine.ExitCode.SOFTWARE;
    }
    RegistryEndpoints registries = registryEndpoints();
    if (registryConfig == null) {
      registryConfig = DockerConfig.standardFile(System.getenv(), Path.of(System.getProperty("user.home")))
          .orElse(null);
    }
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
    Readiness readiness = metrics == null ? null : new Readiness(stubs, namespace, aws.credentials());
    WorkerHttpServer http = metrics == null ? null : WorkerHttpServer.start(
        new InetSocketAddress(metricsAddress, metricsPort), metrics::scrape, host::liveness, readiness::check);
    if (http != null) {
      log.info("serving /metrics, /livez and /readyz on http://{}:{}", metricsAddress, http.address().getPort());
    }

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutting down: no new tasks; running activities get {}s to finish", shutdownGraceSeconds);
      host.shutdown(Duration.ofSeconds(shutdownGraceSeconds));
      if (http != null) {
        http.close();
        readiness.close();
        metrics.close();
      }
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

  /**
   * The Temporal CLI's dev server on a SQLite file when the CLI is installed; else the in-memory server, with a
   * warning nobody can miss.
   */
  private LocalTemporal startDevServer() throws Exception {
    Optional<Path> binary = TemporalCliServer.find(temporalCli);
    if (temporalCli != null && binary.isEmpty()) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--temporal-cli " + temporalCli + " is not an executable");
    }
    if (binary.isPresent()) {
      int port = devPort != null ? devPort : TemporalCliServer.defaultPort();
      TemporalCliServer server = TemporalCliServer.start(binary.get(), devDataDir != null ? devDataDir
          : DataDirectory.precache(), port);
      log.info("Temporal dev server ({}) on {}, Web UI {}; builds persist in {} (log: {})", binary.get(),
          server.target(), server.uiUrl(), server.database(), server.log());
      if (devPort == null && port != 7233) {
        log.warn("7233 is taken, so the dev server listens on {}: export TEMPORAL_ADDRESS={} for the CLI",
            server.target(), server.target());
      }
      return server;
    }
    DevServer server = DevServer.start(devPort != null ? devPort : 7233);
    String warning = "the Temporal CLI is not installed, so --dev runs an IN-MEMORY Temporal server on "
        + server.target() + ": builds, and the teardown of what they created in AWS, DIE WITH THIS PROCESS. "
        + "Install the Temporal CLI (README: Quick start) to keep them.";
    log.warn("{}", "!".repeat(100));
    log.warn(warning);
    log.warn("{}", "!".repeat(100));
    return server;
  }

  /** Replaces the text log configuration with logback-json.xml. */
  private static void useJsonLogs() throws JoranException {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(PrecacheWorker.class.getResource("/logback-json.xml"));
  }
}
