package dev.precache.simulator.instance;

/** The EBS volume at /dev/xvdb that holds containerd's state. */
public interface DataVolume {
  long capacityBytes();

  double throughputBytesPerSecond();
}
