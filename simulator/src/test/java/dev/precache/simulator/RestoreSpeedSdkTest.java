package dev.precache.simulator;

import static dev.precache.simulator.BuildFlowSdkTest.LLAMA;
import static dev.precache.simulator.BuildFlowSdkTest.createBuildStack;
import static dev.precache.simulator.BuildFlowSdkTest.finished;
import static dev.precache.simulator.BuildFlowSdkTest.onlineBuildInstance;
import static dev.precache.simulator.BuildFlowSdkTest.parameter;
import static dev.precache.simulator.BuildFlowSdkTest.pull;
import static dev.precache.simulator.BuildFlowSdkTest.send;
import static dev.precache.simulator.BuildFlowSdkTest.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.precache.simulator.ec2.Snapshot;
import dev.precache.simulator.ec2.VolumeInitialization;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.ec2.model.DescribeFastSnapshotRestoreSuccessItem;
import software.amazon.awssdk.services.ec2.model.EnableFastSnapshotRestoresResponse;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.InitializationStatusDetails;
import software.amazon.awssdk.services.ec2.model.Volume;
import software.amazon.awssdk.services.ec2.waiters.Ec2Waiter;
import software.amazon.awssdk.services.ssm.model.CommandInvocationStatus;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationResponse;

/**
 * How fast a volume created from a snapshot reads, through the SDK over HTTP: lazily, at a provisioned
 * initialisation rate, and with fast snapshot restore; and the FSR API's states and limit.
 */
class RestoreSpeedSdkTest extends SdkOverHttpTest {
    private static final String AMI = "/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest/image_id";
    private static final Pattern DD_REPORT = Pattern.compile("(\\d+) bytes \\(.*\\) copied, ([0-9.]+) s, ");

    private record Read(long bytes, double seconds) {}

    @Test
    void aLazyVolumeReadsAtTheFetchRateOnceAndARateOrFsrVolumeReadsAtItsOwnPace() throws Exception {
        Snapshot snapshot = snapshotOfLlama();
        long mib = snapshot.bytes() >> 20;
        String readImages = "apiclient exec admin sheltie dd if=/dev/xvdb of=/dev/null bs=1M count=" + mib;

        String lazy = restoredNode("lazy", snapshot, List.of());
        assertThat(initialization(lazy)).satisfies(details -> {
            assertThat(details.initializationTypeAsString()).isEqualTo("default");
            assertThat(details.progress()).isZero();
            assertThat(details.estimatedTimeToCompleteInSeconds()).isNull();
        });
        Read first = read(lazy, readImages);
        assertThat(first.bytes()).isEqualTo(mib << 20);
        assertThat(first.seconds()).isCloseTo((mib << 20) / VolumeInitialization.LAZY_FETCH_BYTES_PER_SECOND,
                within(2.0));
        assertThat(initialization(lazy).progress()).isGreaterThanOrEqualTo(99L);
        // Each block is fetched once: the second read runs at the volume's throughput.
        assertThat(read(lazy, readImages).seconds()).isLessThan(first.seconds() / 10);

        // At 100 MiB/s the background initialisation outlasts the node's launch; the read waits for what is left.
        String rate = restoredNode("rate", snapshot, List.of(parameter("DataVolumeInitializationRate", "100")));
        Volume rateVolume = dataVolume(rate);
        assertThat(rateVolume.volumeInitializationRate()).isEqualTo(100);
        assertThat(rateVolume.fastRestored()).isFalse();
        InitializationStatusDetails provisioned = initialization(rate);
        assertThat(provisioned.initializationTypeAsString()).isEqualTo("provisioned-rate");
        long remaining = provisioned.estimatedTimeToCompleteInSeconds();
        assertThat(remaining).isPositive().isLessThan((long) Math.ceil(snapshot.bytes() / (100.0 * (1 << 20))));
        Read atRate = read(rate, readImages);
        // The read keeps up with the background initialisation or runs at the volume's throughput, whichever is slower.
        double atThroughput = atRate.bytes() / throughput(rateVolume.volumeId());
        assertThat(atRate.seconds()).isBetween(Math.max(atThroughput, remaining - 60.0),
                Math.max(atThroughput, remaining) + 1.0);
        assertThat(initialization(rate)).satisfies(details -> {
            assertThat(details.progress()).isEqualTo(100L);
            assertThat(details.estimatedTimeToCompleteInSeconds()).isZero();
        });
    }

    @Test
    void fastSnapshotRestoreGoesThroughItsStatesAndRestoresAVolumeFullyInitialised() throws Exception {
        Snapshot snapshot = snapshotOfLlama();
        EnableFastSnapshotRestoresResponse enabled = ec2.enableFastSnapshotRestores(r -> r
                .sourceSnapshotIds(snapshot.id()).availabilityZones("us-west-2a"));
        assertThat(enabled.unsuccessful()).isEmpty();
        assertThat(enabled.successful()).singleElement().satisfies(item -> {
            assertThat(item.stateAsString()).isEqualTo("enabling");
            assertThat(item.stateTransitionReason()).isEqualTo("Client.UserInitiated");
            assertThat(item.enablingTime()).isNotNull();
            assertThat(item.enabledTime()).isNull();
        });
        waitUntil("FSR optimizing", () -> fsrState(snapshot.id()).stateAsString().equals("optimizing"));
        waitUntil("FSR enabled", () -> fsrState(snapshot.id()).stateAsString().equals("enabled"));
        DescribeFastSnapshotRestoreSuccessItem entry = fsrState(snapshot.id());
        // "It takes 60 minutes per TiB to optimize a snapshot."
        assertThat(java.time.Duration.between(entry.optimizingTime(), entry.enabledTime()).toSeconds())
                .isEqualTo(snapshot.volumeSizeGiB() * 3600L / 1024);

        String fast = restoredNode("fast", snapshot, List.of());
        assertThat(dataVolume(fast).fastRestored()).isTrue();
        assertThat(initialization(fast).progress()).isEqualTo(100L);
        long mib = snapshot.bytes() >> 20;
        Read read = read(fast, "apiclient exec admin sheltie dd if=/dev/xvdb of=/dev/null bs=1M count=" + mib);
        // The build stack's data volume runs at its provisioned throughput (or gp3's 125 MiB/s).
        assertThat(read.seconds()).isCloseTo((mib << 20) / throughput(dataVolume(fast).volumeId()), within(1.0));

        assertThat(ec2.disableFastSnapshotRestores(r -> r.sourceSnapshotIds(snapshot.id())
                .availabilityZones("us-west-2a")).successful()).singleElement()
                .satisfies(item -> assertThat(item.stateAsString()).isEqualTo("disabling"));
        waitUntil("FSR disabled", () -> fsrState(snapshot.id()).stateAsString().equals("disabled"));
        // Disabled: the next volume is initialised lazily again.
        assertThat(dataVolume(restoredNode("after", snapshot, List.of())).fastRestored()).isFalse();
    }

    @Test
    void fastSnapshotRestoreRefusesASixthSnapshotPerRegionAndUnknownZones() throws Exception {
        String instance = onlineBuildInstance("empty", AMI, "m5.large", List.of());
        String volumeId = dataVolume(instance).volumeId();
        List<String> snapshots = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            snapshots.add(ec2.createSnapshot(r -> r.volumeId(volumeId)).snapshotId());
        }
        try (Ec2Waiter waiter = Ec2Waiter.builder().client(ec2).overrideConfiguration(FAST_WAIT).build()) {
            waiter.waitUntilSnapshotCompleted(r -> r.snapshotIds(snapshots));
        }
        assertThat(ec2.enableFastSnapshotRestores(r -> r.sourceSnapshotIds(snapshots.subList(0, 5))
                .availabilityZones("us-west-2a", "us-west-2b")).successful()).hasSize(10);
        var sixth = ec2.enableFastSnapshotRestores(r -> r.sourceSnapshotIds(snapshots.get(5))
                .availabilityZones("us-west-2a"));
        assertThat(sixth.successful()).isEmpty();
        assertThat(sixth.unsuccessful()).singleElement().satisfies(item -> {
            assertThat(item.snapshotId()).isEqualTo(snapshots.get(5));
            assertThat(item.fastSnapshotRestoreStateErrors()).singleElement().satisfies(error -> {
                assertThat(error.availabilityZone()).isEqualTo("us-west-2a");
                assertThat(error.error().message()).contains("up to 5 snapshots");
            });
        });
        assertThat(ec2.describeFastSnapshotRestores(r -> r.filters(Filter.builder().name("snapshot-id")
                .values(snapshots.get(5)).build())).fastSnapshotRestores()).isEmpty();
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> ec2.enableFastSnapshotRestores(r -> r
                .sourceSnapshotIds(snapshots.get(5)).availabilityZones("us-east-1a"))))
                .hasMessageContaining("Invalid availability zone: [us-east-1a]");
    }

    @Test
    void anInitializationRateOutsideItsRangeOrWithoutASnapshotIsRefusedAndNothingIsLaunched() throws Exception {
        createBuildStack("no-snapshot", AMI, "m5.large", List.of(parameter("DataVolumeInitializationRate", "200")));
        waitUntil("the stack rolled back", () -> cfn.describeStacks(r -> r.stackName("precache-no-snapshot")).stacks()
                .get(0).stackStatusAsString().equals("ROLLBACK_COMPLETE"));
        assertThat(cfn.describeStackEvents(r -> r.stackName("precache-no-snapshot")).stackEvents())
                .anySatisfy(event -> assertThat(event.resourceStatusReason())
                        .contains("volumeInitializationRate is only supported for volumes created from a snapshot"));
        assertThat(server.cloud().allInstances()).isEmpty();
    }

    // ---- helpers ----

    private static Snapshot snapshotOfLlama() throws Exception {
        String builder = onlineBuildInstance("source", AMI, "m5.large", List.of());
        GetCommandInvocationResponse pulled = finished(send(builder, pull(LLAMA, "linux/amd64", null), "3600"), builder);
        assertThat(pulled.status()).as(pulled.standardErrorContent()).isEqualTo(CommandInvocationStatus.SUCCESS);
        ec2.stopInstances(r -> r.instanceIds(builder));
        try (Ec2Waiter waiter = Ec2Waiter.builder().client(ec2).overrideConfiguration(FAST_WAIT).build()) {
            waiter.waitUntilInstanceStopped(r -> r.instanceIds(builder));
            String snapshotId = ec2.createSnapshot(r -> r.volumeId(dataVolume(builder).volumeId())).snapshotId();
            waiter.waitUntilSnapshotCompleted(r -> r.snapshotIds(snapshotId));
            return server.cloud().allSnapshots().stream().filter(s -> s.id().equals(snapshotId)).findFirst()
                    .orElseThrow();
        }
    }

    private static String restoredNode(String name, Snapshot snapshot, List<Parameter> more) throws Exception {
        List<Parameter> parameters = new java.util.ArrayList<>(List.of(parameter("DataSnapshotId", snapshot.id()),
                parameter("VolumeSize", String.valueOf(snapshot.volumeSizeGiB()))));
        parameters.addAll(more);
        return onlineBuildInstance(name, AMI, "m5.large", parameters);
    }

    private static Volume dataVolume(String instanceId) {
        return ec2.describeVolumes(r -> r.filters(
                Filter.builder().name("attachment.instance-id").values(instanceId).build(),
                Filter.builder().name("attachment.device").values("/dev/xvdb").build())).volumes().get(0);
    }

    private static double throughput(String volumeId) {
        return server.cloud().allVolumes().stream().filter(v -> v.id().equals(volumeId)).findFirst().orElseThrow()
                .throughputBytesPerSecond();
    }

    private static InitializationStatusDetails initialization(String instanceId) {
        String volumeId = dataVolume(instanceId).volumeId();
        return ec2.describeVolumeStatus(r -> r.volumeIds(volumeId)).volumeStatuses().get(0)
                .initializationStatusDetails();
    }

    private static DescribeFastSnapshotRestoreSuccessItem fsrState(String snapshotId) {
        return ec2.describeFastSnapshotRestores(r -> r.filters(Filter.builder().name("snapshot-id").values(snapshotId)
                .build())).fastSnapshotRestores().get(0);
    }

    /** Runs the read through Run Command; dd's own report gives the bytes and the (simulated) seconds. */
    private static Read read(String instanceId, String command) throws Exception {
        String commandId = send(instanceId, command, "172800");
        GetCommandInvocationResponse response = null;
        for (int i = 0; i < 3000; i++) {
            response = finished(commandId, instanceId);
            if (response.status() != CommandInvocationStatus.IN_PROGRESS) {
                break;
            }
        }
        assertThat(response.status()).as(response.standardErrorContent()).isEqualTo(CommandInvocationStatus.SUCCESS);
        Matcher report = DD_REPORT.matcher(response.standardErrorContent());
        assertThat(report.find()).as(response.standardErrorContent()).isTrue();
        return new Read(Long.parseLong(report.group(1)), Double.parseDouble(report.group(2)));
    }
}
