package dev.precache.worker;

import dev.precache.workflows.BuildSearchAttributes;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The embedded Temporal server of {@code --dev} when the Temporal CLI is not installed (see {@link
 * TemporalCliServer}), and of tests: the Java SDK's test server in real time (no time skipping),
 * listening on 127.0.0.1 only. {@code TestServer.createPortBoundServer} would listen on every interface, so the
 * server is assembled here from the same services. State lives in memory and is gone when the process ends.
 */
public final class DevServer implements LocalTemporal {
  public static final String NAMESPACE = "default";

  private final TestServicesStarter services;
  private final Server server;

  private DevServer(TestServicesStarter services, Server server) {
    this.services = services;
    this.server = server;
  }

  /** Starts on {@code port} of 127.0.0.1 (0 picks a free one) with precache's search attributes registered. */
  public static DevServer start(int port) throws IOException, InterruptedException {
    TestServicesStarter services = new TestServicesStarter(true, 0); // true: time skipping locked, real time
    ServerBuilder<?> builder = NettyServerBuilder.forAddress(
        new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), InsecureServerCredentials.create());
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    DevServer devServer = new DevServer(services, builder.build().start());
    try {
      devServer.registerSearchAttributes();
    } catch (RuntimeException e) {
      devServer.close();
      throw e;
    }
    return devServer;
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) server.getListenSockets().get(0);
  }

  @Override
  public boolean durable() {
    return false;
  }

  /** host:port for Temporal clients. */
  @Override
  public String target() {
    return "127.0.0.1:" + address().getPort();
  }

  private void registerSearchAttributes() {
    AddSearchAttributesRequest.Builder request = AddSearchAttributesRequest.newBuilder().setNamespace(NAMESPACE);
    BuildSearchAttributes.ALL.forEach(key -> request.putSearchAttributes(key.getName(), key.getValueType()));
    OperatorServiceStubs operator = OperatorServiceStubs.newServiceStubs(
        OperatorServiceStubsOptions.newBuilder().setTarget(target()).validateAndBuildWithDefaults());
    try {
      operator.blockingStub().addSearchAttributes(request.build());
    } finally {
      operator.shutdown();
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdown();
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
      server.shutdownNow();
    }
    services.close();
  }
}
