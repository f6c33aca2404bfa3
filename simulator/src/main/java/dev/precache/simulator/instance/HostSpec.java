package dev.precache.simulator.instance;

/** The instance a runtime lives on, as the EC2 model knows it. */
public interface HostSpec {
  String instanceId();

  /**
   * From the AMI's parameter path, e.g. aws-k8s-1.33 → 33; decides the containerd generation: 1.33 and later ship
   * containerd 2.2 (bottlerocket#4801 moved every containerd 2.1 variant to it), earlier ones 1.7.
   */
  int kubernetesMinorVersion();

  /** The network's peak: what an "up to" type bursts to while it has credits, what the others sustain. */
  double networkBytesPerSecond();

  /** What the network sustains once the burst credits are spent; the peak for types that do not burst. */
  default double baselineNetworkBytesPerSecond() {
    return networkBytesPerSecond();
  }

  /** Bytes above the baseline the network can carry at launch before it falls back to the baseline. */
  default double networkBurstCreditBytes() {
    return 0;
  }

  DataVolume dataVolume();

  /** The instance's vCPUs: each unpack is one gzip stream on one core. */
  int vcpus();

  /** The container-runtime settings it booted with (user data); what paces containerd 2.x's transfer service. */
  default ContainerRuntimeSettings containerRuntime() {
    return ContainerRuntimeSettings.DEFAULTS;
  }

  /** The platform ctr pulls when given none: linux/amd64 or linux/arm64. */
  default String platform() {
    return Platform.AMD64;
  }
}
