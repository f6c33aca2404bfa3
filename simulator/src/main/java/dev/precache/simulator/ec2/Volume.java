package dev.precache.simulator.ec2;

import dev.precache.simulator.instance.DataVolume;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** An EBS volume; attached to at most one instance. */
public final class Volume implements DataVolume {
    public record Attachment(String instanceId, String device, Instant attachTime, boolean deleteOnTermination) {}

    private static final long GIB = 1L << 30;
    private static final long MIB = 1L << 20;

    final String id;
    final BlockDevice spec;
    final String availabilityZone;
    final Instant createTime;
    final Map<String, String> tags = new LinkedHashMap<>();
    final VolumeInitialization initialization;
    Attachment attachment;

    Volume(String id, BlockDevice spec, String availabilityZone, Instant createTime,
           VolumeInitialization initialization) {
        this.id = id;
        this.spec = spec;
        this.availabilityZone = availabilityZone;
        this.createTime = createTime;
        this.initialization = initialization;
    }

    public VolumeInitialization initialization() {
        return initialization;
    }

    public String id() {
        return id;
    }

    public BlockDevice spec() {
        return spec;
    }

    public Attachment attachment() {
        return attachment;
    }

    public String state() {
        return attachment == null ? "available" : "in-use";
    }

    public Map<String, String> tags() {
        return tags;
    }

    @Override
    public long capacityBytes() {
        return spec.sizeGiB() * GIB;
    }

    /** gp3 runs at its provisioned throughput; older types at their typical ceiling. */
    @Override
    public double throughputBytesPerSecond() {
        int mibPerSecond = switch (spec.volumeType()) {
            case "gp3" -> spec.throughput() == null ? 125 : spec.throughput();
            case "io1", "io2" -> 1000;
            default -> 250;
        };
        return mibPerSecond * (double) MIB;
    }

    @Override
    public long readMillis(long bytes, long nowMillis) {
        return initialization.read(Math.min(bytes, capacityBytes()), nowMillis, throughputBytesPerSecond());
    }
}
