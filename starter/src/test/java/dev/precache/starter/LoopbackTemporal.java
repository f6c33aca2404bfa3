package dev.precache.starter;

import dev.precache.workflows.BuildSearchAttributes;
import dev.precache.workflows.SnapshotBuildWorkflow;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The SDK's Temporal test server in real time on a free port of 127.0.0.1, so that a CLI in another process
 * can reach it, with a worker running {@link FakeSnapshotBuildWorkflow} in this JVM.
 */
final class LoopbackTemporal implements AutoCloseable {
  private final TestServicesStarter services;
  private final Server server;
  private final WorkflowServiceStubs stubs;
  private final WorkflowClient client;
  private final WorkerFactory workers;

  /** @param searchAttributes whether precache's search attributes are registered, as a worker --dev server does */
  LoopbackTemporal(boolean searchAttributes) throws IOException {
    services = new TestServicesStarter(true, 0);
    ServerBuilder<?> builder = NettyServerBuilder.forAddress(
        new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), InsecureServerCredentials.create());
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    server = builder.build().start();
    if (searchAttributes) {
      AddSearchAttributesRequest.Builder request = AddSearchAttributesRequest.newBuilder().setNamespace("default");
      BuildSearchAttributes.ALL.forEach(key -> request.putSearchAttributes(key.getName(), key.getValueType()));
      OperatorServiceStubs operator = OperatorServiceStubs.newServiceStubs(
          OperatorServiceStubsOptions.newBuilder().setTarget(target()).validateAndBuildWithDefaults());
      operator.blockingStub().addSearchAttributes(request.build());
      operator.shutdown();
    }
    stubs = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(target()).build());
    client = WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder().setNamespace("default").build());
    workers = WorkerFactory.newInstance(client);
    var worker = workers.newWorker(SnapshotBuildWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(FakeSnapshotBuildWorkflow.class);
    worker.registerActivitiesImplementations(new FlakyRegistry.Impl());
    workers.start();
  }

  String target() {
    return "127.0.0.1:" + ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
  }

  WorkflowClient client() {
    return client;
  }

  @Override
  public void close() throws InterruptedException {
    workers.shutdownNow();
    workers.awaitTermination(5, TimeUnit.SECONDS);
    stubs.shutdownNow();
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
    services.close();
  }
}
