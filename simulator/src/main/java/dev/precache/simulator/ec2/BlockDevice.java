package dev.precache.simulator.ec2;

/**
 * A requested EBS block device mapping (from a launch template or the instance itself); {@code snapshotId}, when
 * set, is the snapshot the volume is created from, and {@code volumeInitializationRate} (MiB/s) the provisioned rate
 * at which it is initialised.
 */
public record BlockDevice(String deviceName, int sizeGiB, String volumeType, Integer iops, Integer throughput,
                          boolean encrypted, String kmsKeyId, boolean deleteOnTermination, String snapshotId,
                          Integer volumeInitializationRate) {

    public BlockDevice(String deviceName, int sizeGiB, String volumeType, Integer iops, Integer throughput,
                       boolean encrypted, String kmsKeyId, boolean deleteOnTermination) {
        this(deviceName, sizeGiB, volumeType, iops, throughput, encrypted, kmsKeyId, deleteOnTermination, null, null);
    }
}
