package dev.precache.simulator.ec2;

import dev.precache.simulator.instance.ContainerRuntimeSettings;
import dev.precache.simulator.instance.DataVolume;
import dev.precache.simulator.instance.HostSpec;
import dev.precache.simulator.instance.InstanceRuntime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An EC2 instance and the host it simulates. Its runtime (the data volume's contents) survives stop/start. */
public final class Instance implements HostSpec {
    public static final String DATA_DEVICE = "/dev/xvdb";

    final String id;
    final String reservationId;
    final BottlerocketImages.Image image;
    final InstanceTypes.InstanceType type;
    final String availabilityZone;
    final String subnetId;
    final String instanceProfileArn;
    final Instant launchTime;
    final String privateIp;
    final List<Volume> volumes;
    /** From its user data, read at boot as Bottlerocket does; a stopped instance keeps it. */
    final ContainerRuntimeSettings containerRuntime;
    final Map<String, String> tags = new LinkedHashMap<>();
    InstanceState state = InstanceState.PENDING;
    String stateReason;
    InstanceRuntime runtime;
    /** Whether the SSM agent has ever registered, and whether it is connected now. */
    boolean agentRegistered;
    boolean agentOnline;
    long agentLastPingMillis;

    Instance(String id, String reservationId, BottlerocketImages.Image image, InstanceTypes.InstanceType type,
             String availabilityZone, String subnetId, String instanceProfileArn, Instant launchTime,
             String privateIp, List<Volume> volumes, ContainerRuntimeSettings containerRuntime) {
        this.id = id;
        this.reservationId = reservationId;
        this.image = image;
        this.type = type;
        this.availabilityZone = availabilityZone;
        this.subnetId = subnetId;
        this.instanceProfileArn = instanceProfileArn;
        this.launchTime = launchTime;
        this.privateIp = privateIp;
        this.volumes = volumes;
        this.containerRuntime = containerRuntime;
    }

    @Override
    public String instanceId() {
        return id;
    }

    @Override
    public int kubernetesMinorVersion() {
        return image.kubernetesMinor();
    }

    @Override
    public double networkBytesPerSecond() {
        return type.peakBytesPerSecond();
    }

    @Override
    public double baselineNetworkBytesPerSecond() {
        return type.baselineBytesPerSecond();
    }

    @Override
    public double networkBurstCreditBytes() {
        return type.burstCreditBytes();
    }

    @Override
    public ContainerRuntimeSettings containerRuntime() {
        return containerRuntime;
    }

    @Override
    public int vcpus() {
        return type.vcpus();
    }

    @Override
    public String platform() {
        return type.architecture().equals("arm64") ? "linux/arm64" : "linux/amd64";
    }

    @Override
    public DataVolume dataVolume() {
        return volumes.stream().filter(v -> DATA_DEVICE.equals(v.attachment.device())).findFirst()
                .orElse(volumes.get(volumes.size() - 1));
    }

    public InstanceState state() {
        return state;
    }

    public String instanceType() {
        return type.name();
    }

    public String architecture() {
        return type.architecture();
    }

    public BottlerocketImages.Image image() {
        return image;
    }

    public boolean hasGpu() {
        return type.hasGpu();
    }

    public InstanceRuntime runtime() {
        return runtime;
    }

    public boolean agentRegistered() {
        return agentRegistered;
    }

    public boolean agentOnline() {
        return agentOnline;
    }

    public long agentLastPingMillis() {
        return agentLastPingMillis;
    }

    public String privateIp() {
        return privateIp;
    }

    public String availabilityZone() {
        return availabilityZone;
    }

    public List<Volume> volumes() {
        return volumes;
    }

    public Map<String, String> tags() {
        return tags;
    }

    public Instant launchTime() {
        return launchTime;
    }
}
