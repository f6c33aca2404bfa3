package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.activities.AwsClients;
import dev.precache.activities.RegistryEndpoints;
import dev.precache.simulator.Cloud;
import dev.precache.simulator.SimClock;
import dev.precache.simulator.SimulatorServer;
import dev.precache.simulator.ec2.InstanceState;
import dev.precache.simulator.ec2.Snapshot;
import dev.precache.simulator.ec2.Volume;
import dev.precache.simulator.instance.RegistryCatalog;
import dev.precache.simulator.instance.VolumeImage;
import dev.precache.simulator.ssm.Command;
import dev.precache.simulator.ssm.Parameter;
import dev.precache.workflows.BuilderActivities;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.CommandInvocationStatus;

/**
 * precache's simulated AWS cloud on a loopback port, for the test class that registers it, and what a finished
 * build must have left in it: {@code @RegisterExtension static final SimulatedAws aws = new SimulatedAws(0.005);}.
 */
final class SimulatedAws implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
  static final String ACCESS_KEY_ID = "test";
  static final String SECRET_ACCESS_KEY = "test";
  /** Where pulls park registry credentials, per build (BuildIdentity.credentialsPath). */
  private static final String BUILD_PARAMETERS = "/precache/builds/";

  private final double timeScale;
  private final String catalogOverlay;
  private SimulatorServer server;

  /** @param timeScale real seconds per simulated second */
  SimulatedAws(double timeScale) {
    this(timeScale, null);
  }

  /**
   * @param timeScale      real seconds per simulated second
   * @param catalogOverlay YAML laid over the default registry catalog (RegistryCatalog.load), or null
   */
  SimulatedAws(double timeScale, String catalogOverlay) {
    this.timeScale = timeScale;
    this.catalogOverlay = catalogOverlay;
  }

  /** A cloud of its own for one test case, not bound to a test class: close it when the case is done. */
  static SimulatedAws started(double timeScale) throws Exception {
    SimulatedAws aws = new SimulatedAws(timeScale);
    aws.start();
    return aws;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    start();
  }

  private void start() throws Exception {
    if (catalogOverlay == null) {
      server = SimulatorServer.ephemeral(timeScale).start();
      return;
    }
    Path overlay = Files.createTempFile("registry-catalog", ".yaml");
    try {
      Files.writeString(overlay, catalogOverlay);
      server = new SimulatorServer(0, new SimClock(timeScale), RegistryCatalog.load(overlay)).start();
    } finally {
      Files.delete(overlay);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
  }

  URI endpoint() {
    return URI.create(server.endpoint());
  }

  /** Each simulated registry host's loopback URL, for the worker's registry endpoint mapping. */
  RegistryEndpoints registryEndpoints() {
    return RegistryEndpoints.of(server.registryEndpoints());
  }

  Cloud cloud() {
    return server.cloud();
  }

  /**
   * The worker's AWS clients exactly as in production, but for the endpoint, dummy static credentials and the
   * tests' poll interval ({@link InProcessWorker#AWS_POLL_INTERVAL}), whose clock the SDK's retries keep.
   */
  AwsClients newAwsClients() {
    return new AwsClients(endpoint(),
        StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY_ID, SECRET_ACCESS_KEY)),
        InProcessWorker.AWS_POLL_INTERVAL);
  }

  /** Each image × platform the snapshot holds, as {@code image platform}: the simulator's record of the volume. */
  Set<String> snapshotContents(String snapshotId) {
    Snapshot snapshot = cloud().snapshot(snapshotId).orElseThrow(() -> new AssertionError("no snapshot " + snapshotId));
    return snapshot.contents().stream().map(SimulatedAws::imageAndPlatform).collect(Collectors.toSet());
  }

  /** Snapshots that exist, completed or not. */
  List<String> snapshotIds() {
    return cloud().allSnapshots().stream().map(Snapshot::id).toList();
  }

  /** The Run Commands sent to pull {@code image}, in any region: a resumed pull sends none of its own. */
  List<String> pullCommandIds(String image) {
    Cloud cloud = cloud();
    synchronized (cloud) {
      return cloud.regions().values().stream()
          .flatMap(region -> region.ssm().commands().stream())
          .filter(command -> command.parameters().getOrDefault("commands", List.of()).stream()
              .anyMatch(script -> script.contains(" images pull ")
                  && (script.endsWith(" " + image) || script.contains(" " + image + " && "))))
          .map(Command::id)
          .toList();
    }
  }

  /** A command's status as SSM reports it to the SDK. */
  CommandInvocationStatus commandStatus(String region, String commandId) {
    try (AwsClients clients = newAwsClients()) {
      SsmClient ssm = clients.ssm(region);
      String instanceId = ssm.listCommandInvocations(r -> r.commandId(commandId)).commandInvocations().get(0).instanceId();
      return ssm.getCommandInvocation(r -> r.commandId(commandId).instanceId(instanceId)).status();
    }
  }

  /**
   * Whatever builds ran: no stack of theirs left alive (the shared builder stack stays), every instance
   * terminated, no volume, no parked credentials.
   */
  void assertNothingLeft() {
    Cloud cloud = cloud();
    assertThat(cloud.allStacks().stream().filter(stack -> !"DELETE_COMPLETE".equals(stack.status()))
        .filter(stack -> !BuilderActivities.STACK_NAME.equals(stack.name()))
        .map(stack -> stack.name() + " " + stack.status())).as("stacks not deleted").isEmpty();
    assertThat(cloud.allInstances().stream().filter(instance -> instance.state() != InstanceState.TERMINATED)
        .map(instance -> instance.instanceId() + " " + instance.state())).as("instances not terminated").isEmpty();
    assertThat(cloud.allVolumes()).extracting(Volume::id).as("volumes").isEmpty();
    assertThat(buildParameters()).as("parameters under " + BUILD_PARAMETERS).isEmpty();
  }

  private List<String> buildParameters() {
    Cloud cloud = cloud();
    synchronized (cloud) {
      return cloud.regions().values().stream()
          .flatMap(region -> region.ssm().storedParameters().stream())
          .map(Parameter::name)
          .filter(name -> name.startsWith(BUILD_PARAMETERS))
          .toList();
    }
  }

  private static String imageAndPlatform(VolumeImage image) {
    return image.image() + " " + image.platform();
  }

  /** {@code image platform} for every pair, as {@link #snapshotContents} reports them. */
  static Set<String> imagesTimesPlatforms(List<String> images, List<String> platforms) {
    return images.stream().flatMap(image -> platforms.stream().map(platform -> image + " " + platform))
        .collect(Collectors.toSet());
  }
}
