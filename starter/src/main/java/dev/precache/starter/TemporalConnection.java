package dev.precache.starter;

import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.envconfig.ClientConfigProfile;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The CLI's Temporal client. Configured the way every Temporal tool is: {@code TEMPORAL_ADDRESS},
 * {@code TEMPORAL_NAMESPACE}, {@code TEMPORAL_API_KEY}, {@code TEMPORAL_TLS_*}, or a profile
 * ({@code TEMPORAL_PROFILE}) of the TOML config file; with none of them, a local server on 127.0.0.1:7233.
 * {@code --address} and {@code --namespace} override them.
 */
public final class TemporalConnection implements AutoCloseable {
  static final String DEFAULT_ADDRESS = "127.0.0.1:7233";
  static final String DEFAULT_NAMESPACE = "default";
  /** How long the first call may take before the server counts as unreachable. */
  private static final long REACH_TIMEOUT_SECONDS = 5;

  private final WorkflowClient client;
  private final WorkflowServiceStubs ownedStubs;
  private final Server server;

  /** Which server and namespace, for messages. */
  record Server(String address, String namespace) {
    @Override
    public String toString() {
      return address + " (namespace " + namespace + ")";
    }
  }

  private TemporalConnection(WorkflowClient client, WorkflowServiceStubs ownedStubs) {
    this.client = client;
    this.ownedStubs = ownedStubs;
    String target = client.getWorkflowServiceStubs().getOptions().getTarget();
    this.server = new Server(target == null ? "an in-process server" : target, client.getOptions().getNamespace());
  }

  public static TemporalConnection fromEnvironment() {
    return fromEnvironment(null, null);
  }

  /**
   * Connects as the environment says, with {@code address} and {@code namespace} (each may be null) taking
   * precedence, and checks that the server answers for the namespace.
   *
   * @throws CliError when the config file cannot be read, the server cannot be reached or has no such namespace
   */
  static TemporalConnection fromEnvironment(String address, String namespace) {
    ClientConfigProfile.Builder profile;
    try {
      profile = ClientConfigProfile.load().toBuilder();
    } catch (IOException e) {
      throw CliError.failed("cannot read the Temporal client config file", e.getMessage(),
          "check TEMPORAL_CONFIG_FILE and TEMPORAL_PROFILE");
    }
    if (address != null) {
      profile.setAddress(address);
    }
    if (namespace != null) {
      profile.setNamespace(namespace);
    }
    ClientConfigProfile config = profile.build();
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(config.toWorkflowServiceStubsOptions());
    WorkflowClientOptions clientOptions = config.toWorkflowClientOptions();
    TemporalConnection connection = new TemporalConnection(WorkflowClient.newInstance(stubs, clientOptions), stubs);
    try {
      connection.checkReachable();
    } catch (RuntimeException e) {
      connection.close();
      throw e;
    }
    return connection;
  }

  /**
   * Whether {@code TEMPORAL_ADDRESS} or the config file's profile names a server (else the local default is used);
   * an unreadable config file counts as naming one, since it was meant to.
   */
  static boolean environmentNamesServer() {
    try {
      return ClientConfigProfile.load().getAddress() != null;
    } catch (IOException e) {
      return true;
    }
  }

  /** Uses a client someone else owns and closes (an in-process server, a test). */
  public static TemporalConnection borrowing(WorkflowClient client) {
    return new TemporalConnection(Objects.requireNonNull(client, "no client to borrow: PrecacheCli.withoutTemporal "
        + "is the CLI without a server"), null);
  }

  public WorkflowClient client() {
    return client;
  }

  Server server() {
    return server;
  }

  /** A schedule client on the same connection, namespace and data converter as {@link #client()}. */
  public ScheduleClient schedules() {
    WorkflowClientOptions options = client.getOptions();
    return ScheduleClient.newInstance(client.getWorkflowServiceStubs(), ScheduleClientOptions.newBuilder()
        .setNamespace(options.getNamespace())
        .setIdentity(options.getIdentity())
        .setDataConverter(options.getDataConverter())
        .build());
  }

  /** One cheap call, so an unreachable server or a missing namespace is told apart from what a command does. */
  private void checkReachable() {
    try {
      client.getWorkflowServiceStubs().blockingStub().withDeadlineAfter(REACH_TIMEOUT_SECONDS, TimeUnit.SECONDS)
          .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(server.namespace()).build());
    } catch (StatusRuntimeException e) {
      throw TemporalErrors.translate(e, server, null);
    }
  }

  @Override
  public void close() {
    if (ownedStubs != null) {
      ownedStubs.shutdown();
    }
  }
}
