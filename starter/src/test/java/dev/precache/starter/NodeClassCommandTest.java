package dev.precache.starter;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.SnapshotBuildWorkflow;
import dev.precache.workflows.VolumePerformance;
import dev.precache.workflows.VolumeSizing;
import dev.precache.workflows.VolumeUsage;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.workflow.Workflow;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code precache nodeclass}: the entry from flags and from a build on an in-process Temporal server. */
class NodeClassCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SNAPSHOT = "snap-0123456789abcdef0";

  private record Run(int exit, String out, String err) {}

  private static Run precache(WorkflowClient client, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = new PrecacheCli(() -> {
      if (client == null) {
        throw new AssertionError("the command reached for Temporal");
      }
      return TemporalConnection.borrowing(client);
    }, Duration.ofMillis(100)).commandLine()
        .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Nested
  class FromFlags {
    @Test
    void yamlIsTheEntryWithGp3BaselineAndNoSizeSoEc2TakesTheSnapshots() {
      Run run = precache(null, "nodeclass", "--snapshot-id", SNAPSHOT);

      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(run.out()).isEqualTo("""
          deviceName: /dev/xvdb
          ebs:
            snapshotID: snap-0123456789abcdef0
            volumeType: gp3
            throughput: 125
            iops: 3000
            deleteOnTermination: true
          """);
    }

    @Test
    void jsonCarriesEveryChosenField() throws IOException {
      Run run = precache(null, "nodeclass", "--snapshot-id", SNAPSHOT, "--volume-size", "200", "--throughput", "500",
          "--iops", "6000", "--kms-key-id", "alias/precache", "--no-delete-on-termination", "--initialization-rate",
          "300", "-o", "json");

      assertThat(run.exit()).as(run.err()).isZero();
      JsonNode entry = JSON.readTree(run.out());
      assertThat(entry.get("deviceName").asText()).isEqualTo("/dev/xvdb");
      assertThat(JSON.convertValue(entry.get("ebs"), Map.class)).isEqualTo(Map.of(
          "snapshotID", SNAPSHOT, "volumeSize", "200Gi", "volumeType", "gp3", "throughput", 500, "iops", 6000,
          "encrypted", true, "kmsKeyID", "alias/precache", "deleteOnTermination", false,
          "volumeInitializationRate", 300));
    }

    @Test
    void patchFromAManifestKeepsItsOtherDevicesInPlaceAndReplacesTheDataVolume(@TempDir Path dir) throws IOException {
      Path manifest = dir.resolve("gpu.yaml");
      Files.writeString(manifest, """
          apiVersion: karpenter.k8s.aws/v1
          kind: EC2NodeClass
          metadata: {name: gpu}
          spec:
            blockDeviceMappings:
              - deviceName: /dev/xvda
                ebs: {volumeSize: 4Gi, volumeType: gp3}
              - deviceName: /dev/xvdb
                ebs: {volumeSize: 20Gi, volumeType: gp3}
              - deviceName: /dev/xvdc
                ebs: {volumeSize: 8Gi, volumeType: gp2}
          """);

      Run run = precache(null, "nodeclass", "--snapshot-id", SNAPSHOT, "--volume-size", "80", "-o", "patch",
          "--nodeclass-file", manifest.toString());

      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(run.err()).isEmpty();
      JsonNode mappings = JSON.readTree(run.out()).at("/spec/blockDeviceMappings");
      assertThat(mappings.findValuesAsText("deviceName")).containsExactly("/dev/xvda", "/dev/xvdb", "/dev/xvdc");
      assertThat(mappings.get(0).at("/ebs/volumeSize").asText()).isEqualTo("4Gi");
      assertThat(mappings.get(1).at("/ebs/snapshotID").asText()).isEqualTo(SNAPSHOT);
      assertThat(mappings.get(1).at("/ebs/volumeSize").asText()).isEqualTo("80Gi");
      assertThat(mappings.get(2).at("/ebs/volumeType").asText()).isEqualTo("gp2");
    }

    @Test
    void patchWithoutAManifestSaysItReplacesTheWholeList() throws IOException {
      Run run = precache(null, "nodeclass", "--snapshot-id", SNAPSHOT, "-o", "patch");

      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(JSON.readTree(run.out()).at("/spec/blockDeviceMappings").findValuesAsText("deviceName"))
          .containsExactly("/dev/xvdb");
      assertThat(run.err()).contains("atomic list", "--nodeclass-file");
    }

    @Test
    void withoutAClassToCheckItSaysWhatTheClassMustDo() {
      Run run = precache(null, "nodeclass", "--snapshot-id", SNAPSHOT);

      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(run.err()).contains("note: no EC2NodeClass was checked", "containerd on /dev/xvdb",
          "instanceStorePolicy: RAID0", "snapshotter overlayfs", "--apply NAME");
      assertThat(run.err()).doesNotContain("warning:");
    }

    @Test
    void badInputIsRefusedNamingTheFlag(@TempDir Path dir) throws IOException {
      Path notAClass = Files.writeString(dir.resolve("pool.yaml"), "kind: NodePool\n");
      Map<List<String>, String> refusals = Map.ofEntries(
          Map.entry(List.of("nodeclass"),
              "error: missing build ID or --snapshot-id"),
          Map.entry(List.of("nodeclass", "some-build", "--snapshot-id", SNAPSHOT),
              "error: invalid --snapshot-id"),
          Map.entry(List.of("nodeclass", "--snapshot-id", "ami-0123"),
              "error: invalid --snapshot-id"),
          Map.entry(List.of("nodeclass", "--snapshot-id", SNAPSHOT, "--volume-initialization-rate", "99"),
              "error: invalid --volume-initialization-rate (expected 100-300 MiB/s, got 99)"),
          Map.entry(List.of("nodeclass", "--snapshot-id", SNAPSHOT, "--volume-size", "70000"),
              "error: invalid --volume-size"),
          Map.entry(List.of("nodeclass", "--snapshot-id", SNAPSHOT, "--throughput", "1000"),
              "error: invalid --throughput (gp3 allows at most 750 MiB/s with 3000 IOPS, got 1000)"),
          Map.entry(List.of("nodeclass", "--snapshot-id", SNAPSHOT, "--context", "prod"),
              "error: invalid --context (only with --apply)"),
          Map.entry(List.of("nodeclass", "--snapshot-id", SNAPSHOT, "-r", "us-west-2"),
              "error: invalid --region (only with --apply)"),
          Map.entry(List.of("nodeclass", "--snapshot-id", SNAPSHOT, "--apply", "gpu", "-r", "mars-1"),
              "error: invalid --region (must be an AWS region such as us-west-2, got 'mars-1')"),
          Map.entry(List.of("nodeclass", "--snapshot-id", SNAPSHOT, "--apply", "gpu", "-o", "json"),
              "error: invalid --output"),
          Map.entry(List.of("nodeclass", "--snapshot-id", SNAPSHOT, "-o", "patch", "--nodeclass-file", notAClass.toString()),
              "error: invalid --nodeclass-file"),
          Map.entry(List.of("nodeclass", "some-build", "--apply", "gpu", "--kubeconfig", dir.resolve("none").toString()),
              "error: invalid --kubeconfig (cannot read " + dir.resolve("none") + ")"),
          Map.entry(List.of("build", "-r", "us-west-2", "--detach", "--nodeclass", "gpu", "docker.io/library/nginx:1.27"),
              "error: invalid --nodeclass (it applies once the build succeeds, which --detach does not wait for)"),
          Map.entry(List.of("build", "-r", "us-west-2", "--context", "prod", "docker.io/library/nginx:1.27"),
              "error: invalid --context (only with --nodeclass)"));
      refusals.forEach((args, error) -> {
        Run run = precache(null, args.toArray(String[]::new));
        assertThat(run.exit()).as(String.join(" ", args)).isEqualTo(2);
        assertThat(run.err()).as(String.join(" ", args)).startsWith(error);
        assertThat(run.out()).isEmpty();
      });
    }
  }

  /** Answers with a result made from the request: {@code volumeSizeGiB} snapshotted, {@link #USED_BYTES} used. */
  public static class FinishedBuildWorkflow implements SnapshotBuildWorkflow {
    static final long USED_BYTES = 45 * VolumeSizing.GIB;
    static final int CHOSEN_THROUGHPUT = 1_000;
    static final int CHOSEN_IOPS = 4_000;

    @Override
    public BuildResult build(BuildRequest request) {
      if ("never".equals(request.name())) {
        Workflow.await(() -> false);
      }
      int size = request.volumeSizeGiB();
      // A build that chose its volume's performance records it; one whose request set it echoes the request.
      VolumePerformance chosen = request.volumeThroughputMiBps() == null
          ? new VolumePerformance(CHOSEN_THROUGHPUT, CHOSEN_IOPS, false, 900, "m5.large", 0, 0.01) : null;
      return new BuildResult(SNAPSHOT, request.region(), size, List.of(), List.of(), null, null, null, false, null,
          new VolumeUsage(size * VolumeSizing.GIB, USED_BYTES, (size * VolumeSizing.GIB) - USED_BYTES), chosen, null);
    }

    @Override
    public BuildProgress progress() {
      return null;
    }
  }

  @Nested
  class FromABuild {
    private TestWorkflowEnvironment temporal;
    private WorkflowClient client;

    @BeforeEach
    void startTemporal() {
      temporal = TestWorkflowEnvironment.newInstance(
          TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
      temporal.newWorker(SnapshotBuildWorkflow.TASK_QUEUE).registerWorkflowImplementationTypes(FinishedBuildWorkflow.class);
      temporal.start();
      client = temporal.getWorkflowClient();
    }

    @AfterEach
    void stopTemporal() {
      temporal.close();
    }

    private String build(String name, int sizeGiB) {
      return build(name, sizeGiB, 500, 6000);
    }

    private String build(String name, int sizeGiB, Integer throughput, Integer iops) {
      return build(name, sizeGiB, throughput, iops, null);
    }

    private String build(String name, int sizeGiB, Integer throughput, Integer iops, Integer initializationRate) {
      BuildRequest request = new BuildRequest(name, "us-west-2", List.of("docker.io/library/nginx:1.27"),
          List.of("linux/amd64"), null, null, true, "alias/precache", sizeGiB, null, null, null, null, true, Map.of(),
          null, null, throughput, iops, false, initializationRate, List.of());
      String workflowId = "precache-build-" + name;
      SnapshotBuildWorkflow stub = client.newWorkflowStub(SnapshotBuildWorkflow.class, WorkflowOptions.newBuilder()
          .setWorkflowId(workflowId).setTaskQueue(SnapshotBuildWorkflow.TASK_QUEUE).build());
      WorkflowClient.start(stub::build, request);
      if (!"never".equals(name)) {
        client.newUntypedWorkflowStub(workflowId).getResult(BuildResult.class);
      }
      return workflowId;
    }

    @Test
    void theBuildsSnapshotEncryptionAndPerformanceOnAVolumeGrownToTheMeasuredUsage() throws IOException {
      String workflowId = build("grown", 50);

      Run run = precache(client, "nodeclass", workflowId, "-o", "json");

      assertThat(run.exit()).as(run.err()).isZero();
      // 45 GiB used must stay under 85 %: ceil(45 / 0.85) = 53 GiB, more than the 50 GiB snapshot.
      assertThat(JSON.convertValue(JSON.readTree(run.out()).get("ebs"), Map.class)).isEqualTo(Map.of(
          "snapshotID", SNAPSHOT, "volumeSize", "53Gi", "volumeType", "gp3", "throughput", 500, "iops", 6000,
          "encrypted", true, "kmsKeyID", "alias/precache", "deleteOnTermination", true));
      assertThat(run.err()).startsWith("note: volume 53 GiB, not the snapshot's 50");
    }

    @Test
    void aSnapshotWithRoomKeepsItsSizeAndFlagsOverrideTheBuild() throws IOException {
      String workflowId = build("roomy", 100);

      Run run = precache(client, "nodeclass", workflowId, "-o", "json", "--throughput", "250", "--initialization-rate",
          "200");

      assertThat(run.exit()).as(run.err()).isZero();
      JsonNode ebs = JSON.readTree(run.out()).get("ebs");
      assertThat(ebs.get("volumeSize").asText()).isEqualTo("100Gi");
      assertThat(ebs.get("throughput").asInt()).isEqualTo(250);
      assertThat(ebs.get("iops").asInt()).isEqualTo(6000);
      assertThat(ebs.get("volumeInitializationRate").asInt()).isEqualTo(200);
      assertThat(run.err().lines()).singleElement(as(STRING)).startsWith("note: no EC2NodeClass was checked");
    }

    @Test
    void theBuildsVolumeInitializationRateUnlessTheFlagSaysOtherwise() throws IOException {
      String workflowId = build("rated", 100, 500, 6000, 300);

      JsonNode fromBuild = JSON.readTree(precache(client, "nodeclass", workflowId, "-o", "json").out()).get("ebs");
      assertThat(fromBuild.get("volumeInitializationRate").asInt()).isEqualTo(300);
      Run overridden = precache(client, "nodeclass", workflowId, "-o", "json", "--volume-initialization-rate", "150");
      assertThat(overridden.exit()).as(overridden.err()).isZero();
      assertThat(JSON.readTree(overridden.out()).get("ebs").get("volumeInitializationRate").asInt()).isEqualTo(150);
      // A build without one leaves the field out: lazy initialisation.
      assertThat(JSON.readTree(precache(client, "nodeclass", build("unrated", 100), "-o", "json").out()).get("ebs")
          .has("volumeInitializationRate")).isFalse();
    }

    @Test
    void thePerformanceTheBuildChoseWhenItsRequestSetNone() throws IOException {
      String workflowId = build("fitted", 100, null, null);

      Run run = precache(client, "nodeclass", workflowId, "-o", "json");

      assertThat(run.exit()).as(run.err()).isZero();
      JsonNode ebs = JSON.readTree(run.out()).get("ebs");
      assertThat(ebs.get("throughput").asInt()).isEqualTo(FinishedBuildWorkflow.CHOSEN_THROUGHPUT);
      assertThat(ebs.get("iops").asInt()).isEqualTo(FinishedBuildWorkflow.CHOSEN_IOPS);
    }

    @Test
    void aVolumeSmallerThanTheSnapshotIsRefused() {
      String workflowId = build("small", 50);

      Run run = precache(client, "nodeclass", workflowId, "--volume-size", "40");

      assertThat(run.exit()).isEqualTo(2);
      assertThat(run.err()).startsWith("error: invalid --volume-size (40 GiB is smaller than snapshot " + SNAPSHOT
          + " (50 GiB))");
      assertThat(run.out()).isEmpty();
    }

    @Test
    void aBuildWithoutASnapshotYetIsAFailureNotAnEntry() {
      String workflowId = build("never", 50);

      Run run = precache(client, "nodeclass", workflowId);

      assertThat(run.exit()).isEqualTo(1);
      assertThat(run.err()).startsWith("error: build " + workflowId + " has no snapshot (it is RUNNING)");
      assertThat(run.out()).isEmpty();
    }
  }
}
