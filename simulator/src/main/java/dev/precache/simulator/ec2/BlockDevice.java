package dev.precache.simulator.ec2;

/** A requested EBS block device mapping (from a launch template or the instance itself). */
public record BlockDevice(String deviceName, int sizeGiB, String volumeType, Integer iops, Integer throughput,
                          boolean encrypted, String kmsKeyId, boolean deleteOnTermination) {}
