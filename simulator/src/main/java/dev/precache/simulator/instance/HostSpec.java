package dev.precache.simulator.instance;

/** The instance a runtime lives on, as the EC2 model knows it. */
public interface HostSpec {
  String instanceId();

  /** From the AMI's parameter path, e.g. aws-k8s-1.33 → 33; decides the containerd generation (≥ 33: 2.x). */
  int kubernetesMinorVersion();

  double networkBytesPerSecond();

  DataVolume dataVolume();

  /** The instance's vCPUs: each unpack is one gzip stream on one core. */
  int vcpus();

  /** The platform ctr pulls when given none: linux/amd64 or linux/arm64. */
  default String platform() {
    return Platform.AMD64;
  }
}
