package dev.precache.simulator.ec2;

import dev.precache.simulator.AwsException;
import java.util.Map;

/** The instance types the simulator knows: architecture, network bandwidth and whether they carry a GPU. */
final class InstanceTypes {
    /** vCPUs and network bandwidth ("up to" figures taken at their peak) as the EC2 instance type pages list them. */
    record InstanceType(String name, String architecture, int vcpus, double networkGbps, boolean gpu) {
        double networkBytesPerSecond() {
            return networkGbps * 1e9 / 8;
        }
    }

    private static final Map<String, InstanceType> TYPES = Map.ofEntries(
            x86("m5.large", 2, 10), x86("m5.xlarge", 4, 10), x86("m5.2xlarge", 8, 10), x86("m5.4xlarge", 16, 10),
            x86("m5.8xlarge", 32, 10), x86("m5.12xlarge", 48, 12), x86("m5.24xlarge", 96, 25),
            x86("c5.large", 2, 10), x86("c5.xlarge", 4, 10), x86("c5.2xlarge", 8, 10), x86("c5.4xlarge", 16, 10),
            x86("c5.9xlarge", 36, 12), x86("c5.18xlarge", 72, 25),
            x86("t3.medium", 2, 5), x86("t3.large", 2, 5), x86("t3.xlarge", 4, 5), x86("t3.2xlarge", 8, 5),
            gpu("g5.xlarge", 4, "x86_64", 10), gpu("g5.2xlarge", 8, "x86_64", 10), gpu("g5.4xlarge", 16, "x86_64", 25),
            gpu("g5.12xlarge", 48, "x86_64", 40), gpu("g5.48xlarge", 192, "x86_64", 100),
            gpu("g6.xlarge", 4, "x86_64", 10), gpu("g6.2xlarge", 8, "x86_64", 10), gpu("g6.4xlarge", 16, "x86_64", 25),
            gpu("g6.12xlarge", 48, "x86_64", 40), gpu("g6.48xlarge", 192, "x86_64", 100),
            gpu("p4d.24xlarge", 96, "x86_64", 400), gpu("p5.48xlarge", 192, "x86_64", 3200),
            arm("m7g.large", 2, 12.5), arm("m7g.xlarge", 4, 12.5), arm("m7g.2xlarge", 8, 15),
            arm("c7g.large", 2, 12.5), arm("c7g.xlarge", 4, 12.5), arm("c7g.2xlarge", 8, 15),
            arm("t4g.medium", 2, 5), arm("t4g.large", 2, 5), arm("t4g.xlarge", 4, 5),
            gpu("g5g.xlarge", 4, "arm64", 10), gpu("g5g.2xlarge", 8, "arm64", 10));

    private InstanceTypes() {}

    static InstanceType get(String name) {
        InstanceType type = TYPES.get(name);
        if (type == null) {
            throw new AwsException("InvalidParameterValue", "Invalid value '" + name + "' for InstanceType.");
        }
        return type;
    }

    private static Map.Entry<String, InstanceType> x86(String name, int vcpus, double gbps) {
        return Map.entry(name, new InstanceType(name, "x86_64", vcpus, gbps, false));
    }

    private static Map.Entry<String, InstanceType> arm(String name, int vcpus, double gbps) {
        return Map.entry(name, new InstanceType(name, "arm64", vcpus, gbps, false));
    }

    private static Map.Entry<String, InstanceType> gpu(String name, int vcpus, String architecture, double gbps) {
        return Map.entry(name, new InstanceType(name, architecture, vcpus, gbps, true));
    }
}
