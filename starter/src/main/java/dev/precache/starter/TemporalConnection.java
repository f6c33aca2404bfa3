package dev.precache.starter;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.envconfig.ClientConfigProfile;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The CLI's Temporal client. Configured the way every Temporal tool is: {@code TEMPORAL_ADDRESS},
 * {@code TEMPORAL_NAMESPACE}, {@code TEMPORAL_API_KEY}, {@code TEMPORAL_TLS_*}, or a profile
 * ({@code TEMPORAL_PROFILE}) of the TOML config file; with none of them, a local server on 127.0.0.1:7233.
 */
public final class TemporalConnection implements AutoCloseable {
  private final WorkflowClient client;
  private final WorkflowServiceStubs ownedStubs;

  private TemporalConnection(WorkflowClient client, WorkflowServiceStubs ownedStubs) {
    this.client = client;
    this.ownedStubs = ownedStubs;
  }

  public static TemporalConnection fromEnvironment() {
    try {
      ClientConfigProfile profile = ClientConfigProfile.load();
      WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(profile.toWorkflowServiceStubsOptions());
      return new TemporalConnection(WorkflowClient.newInstance(stubs, profile.toWorkflowClientOptions()), stubs);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the Temporal client config file: " + e.getMessage(), e);
    }
  }

  /** Uses a client someone else owns and closes (an in-process server, a test). */
  public static TemporalConnection borrowing(WorkflowClient client) {
    return new TemporalConnection(client, null);
  }

  public WorkflowClient client() {
    return client;
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

  @Override
  public void close() {
    if (ownedStubs != null) {
      ownedStubs.shutdown();
    }
  }
}
