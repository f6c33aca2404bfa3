package dev.precache.simulator.ec2;

import dev.precache.simulator.AwsException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The instance types the simulator knows, as DescribeInstanceTypes describes them: architecture, vCPUs, GPUs and
 * network bandwidth, baseline and peak.
 *
 * <p>Figures: each type's {@code DefaultVCpus}, {@code NetworkPerformance} and per-card
 * {@code BaselineBandwidthInGbps}/{@code PeakBandwidthInGbps} as a DescribeInstanceTypes dump records them
 * (moto 5.2.1, {@code moto/ec2/resources/instance_types.json.gz}), which match the EC2 instance type
 * specifications' network tables (docs.aws.amazon.com/ec2/latest/instancetypes/gp.html, gpu.html; e.g.
 * m5.large: 0.75 Gbit/s baseline, up to 10). Types with "up to" bandwidth have a baseline below their peak;
 * the others sustain their peak. GPU names and memory are from the same dump. Not modelled: EBS bandwidth,
 * memory, instance storage.
 */
final class InstanceTypes {
    /**
     * "Up to" types burst above their baseline on network I/O credits "for a limited time, typically from 5 to 60
     * minutes, depending on the instance size" (EC2 User Guide, ec2-instance-network-bandwidth, "Available
     * instance bandwidth"). EC2 does not publish the bucket per type; the model gives every such type credits for
     * the documented minimum, 5 minutes at its peak, at launch (an approximation: larger sizes burst longer).
     */
    static final long BURST_SECONDS_AT_PEAK = 5 * 60;

    /** A GPU model as DescribeInstanceTypes' {@code gpuInfo} lists it. */
    record Gpu(String name, String manufacturer, int count, int memoryMiB) {}

    /**
     * @param baselineGbps per network card: what the type sustains
     * @param peakGbps     per network card: what it bursts to ("up to" types) or sustains (the others)
     */
    record InstanceType(String name, String architecture, int vcpus, double baselineGbps, double peakGbps,
                        int networkCards, Gpu gpu) {
        boolean hasGpu() {
            return gpu != null;
        }

        double peakBytesPerSecond() {
            return peakGbps * networkCards * 1e9 / 8;
        }

        double baselineBytesPerSecond() {
            return baselineGbps * networkCards * 1e9 / 8;
        }

        /** Bytes above the baseline the type can move before it falls back to it (network I/O credits). */
        double burstCreditBytes() {
            return (peakBytesPerSecond() - baselineBytesPerSecond()) * BURST_SECONDS_AT_PEAK;
        }

        /** DescribeInstanceTypes' {@code networkPerformance}: "Up to 10 Gigabit", "25 Gigabit", "4x 100 Gigabit". */
        String networkPerformance() {
            String peak = gigabit(peakGbps);
            if (baselineGbps < peakGbps) {
                return "Up to " + peak + " Gigabit";
            }
            if (networkCards > 1 && networkCards <= 4) {
                return networkCards + "x " + peak + " Gigabit";
            }
            return gigabit(peakGbps * networkCards) + " Gigabit";
        }

        String cardNetworkPerformance() {
            return (baselineGbps < peakGbps ? "Up to " : "") + gigabit(peakGbps) + " Gigabit";
        }

        private static String gigabit(double gbps) {
            return gbps == Math.rint(gbps) ? String.valueOf((long) gbps) : String.valueOf(gbps);
        }
    }

    private static final Gpu A10G = new Gpu("A10G", "NVIDIA", 1, 22_888);
    private static final Gpu L4 = new Gpu("L4", "NVIDIA", 1, 22_888);
    private static final Gpu T4G = new Gpu("T4g", "NVIDIA", 1, 16_384);

    private static final Map<String, InstanceType> TYPES = Stream.of(
            x86("m5.large", 2, 0.75, 10), x86("m5.xlarge", 4, 1.25, 10), x86("m5.2xlarge", 8, 2.5, 10),
            x86("m5.4xlarge", 16, 5, 10), x86("m5.8xlarge", 32, 10, 10), x86("m5.12xlarge", 48, 12, 12),
            x86("m5.24xlarge", 96, 25, 25),
            x86("c5.large", 2, 0.75, 10), x86("c5.xlarge", 4, 1.25, 10), x86("c5.2xlarge", 8, 2.5, 10),
            x86("c5.4xlarge", 16, 5, 10), x86("c5.9xlarge", 36, 12, 12), x86("c5.18xlarge", 72, 25, 25),
            x86("t3.medium", 2, 0.256, 5), x86("t3.large", 2, 0.512, 5), x86("t3.xlarge", 4, 1.024, 5),
            x86("t3.2xlarge", 8, 2.048, 5),
            gpu("g5.xlarge", 4, 2.5, 10, A10G), gpu("g5.2xlarge", 8, 5, 10, A10G), gpu("g5.4xlarge", 16, 10, 25, A10G),
            gpu("g5.8xlarge", 32, 25, 25, A10G), gpu("g5.12xlarge", 48, 40, 40, gpus(A10G, 4)),
            gpu("g5.48xlarge", 192, 100, 100, gpus(A10G, 8)),
            gpu("g6.xlarge", 4, 2.5, 10, L4), gpu("g6.2xlarge", 8, 5, 10, L4), gpu("g6.4xlarge", 16, 10, 25, L4),
            gpu("g6.8xlarge", 32, 25, 25, L4), gpu("g6.12xlarge", 48, 40, 40, gpus(L4, 4)),
            gpu("g6.48xlarge", 192, 100, 100, gpus(L4, 8)),
            new InstanceType("p4d.24xlarge", "x86_64", 96, 100, 100, 4, new Gpu("A100", "NVIDIA", 8, 40_960)),
            new InstanceType("p5.48xlarge", "x86_64", 192, 100, 100, 32, new Gpu("H100", "NVIDIA", 8, 81_920)),
            arm("m6g.medium", 1, 0.5, 10),
            arm("m7g.large", 2, 0.937, 12.5), arm("m7g.xlarge", 4, 1.876, 12.5), arm("m7g.2xlarge", 8, 3.75, 15),
            arm("c7g.large", 2, 0.937, 12.5), arm("c7g.xlarge", 4, 1.876, 12.5), arm("c7g.2xlarge", 8, 3.75, 15),
            arm("t4g.medium", 2, 0.256, 5), arm("t4g.large", 2, 0.512, 5), arm("t4g.xlarge", 4, 1.024, 5),
            new InstanceType("g5g.xlarge", "arm64", 4, 1.25, 10, 1, T4G),
            new InstanceType("g5g.2xlarge", "arm64", 8, 2.5, 10, 1, T4G))
        .collect(Collectors.toUnmodifiableMap(InstanceType::name, Function.identity()));

    private InstanceTypes() {}

    static InstanceType get(String name) {
        InstanceType type = TYPES.get(name);
        if (type == null) {
            throw new AwsException("InvalidParameterValue", "Invalid value '" + name + "' for InstanceType.");
        }
        return type;
    }

    /** Every known type, by name: DescribeInstanceTypes pages through them in this order. */
    static List<InstanceType> all() {
        return TYPES.values().stream().sorted(Comparator.comparing(InstanceType::name)).toList();
    }

    static boolean exists(String name) {
        return TYPES.containsKey(name);
    }

    private static InstanceType x86(String name, int vcpus, double baselineGbps, double peakGbps) {
        return new InstanceType(name, "x86_64", vcpus, baselineGbps, peakGbps, 1, null);
    }

    private static InstanceType arm(String name, int vcpus, double baselineGbps, double peakGbps) {
        return new InstanceType(name, "arm64", vcpus, baselineGbps, peakGbps, 1, null);
    }

    private static InstanceType gpu(String name, int vcpus, double baselineGbps, double peakGbps, Gpu gpu) {
        return new InstanceType(name, "x86_64", vcpus, baselineGbps, peakGbps, 1, gpu);
    }

    private static Gpu gpus(Gpu one, int count) {
        return new Gpu(one.name(), one.manufacturer(), count, one.memoryMiB());
    }
}
