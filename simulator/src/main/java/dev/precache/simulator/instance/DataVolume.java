package dev.precache.simulator.instance;

/** The EBS volume at /dev/xvdb that holds containerd's state. */
public interface DataVolume {
  long capacityBytes();

  double throughputBytesPerSecond();

  /** How long reading the device's first {@code bytes} from {@code nowMillis} takes; a new empty volume reads at its throughput. */
  default long readMillis(long bytes, long nowMillis) {
    return (long) Math.ceil(bytes / throughputBytesPerSecond() * 1000);
  }
}
