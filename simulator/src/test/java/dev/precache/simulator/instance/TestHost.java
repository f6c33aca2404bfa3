package dev.precache.simulator.instance;

/**
 * A host with settable network, data volume and container-runtime settings, Kubernetes 1.32 (containerd 1.7) unless
 * told otherwise.
 */
record TestHost(int kubernetesMinorVersion, double networkBytesPerSecond, long capacityBytes, double volumeBytesPerSecond,
    int vcpus, ContainerRuntimeSettings containerRuntime)
    implements HostSpec {
  static final double MB = 1_000_000;
  static final long GB = 1_000_000_000L;

  TestHost(int kubernetesMinorVersion, double networkBytesPerSecond, long capacityBytes, double volumeBytesPerSecond,
      int vcpus) {
    this(kubernetesMinorVersion, networkBytesPerSecond, capacityBytes, volumeBytesPerSecond, vcpus,
        ContainerRuntimeSettings.DEFAULTS);
  }

  static TestHost k8s132() {
    return new TestHost(32, 1250 * MB, 100 * GB, 1000 * MB, 8);
  }

  TestHost withKubernetes(int minor) {
    return new TestHost(minor, networkBytesPerSecond, capacityBytes, volumeBytesPerSecond, vcpus, containerRuntime);
  }

  TestHost withCapacity(long bytes) {
    return new TestHost(kubernetesMinorVersion, networkBytesPerSecond, bytes, volumeBytesPerSecond, vcpus, containerRuntime);
  }

  TestHost withNetwork(double bytesPerSecond) {
    return new TestHost(kubernetesMinorVersion, bytesPerSecond, capacityBytes, volumeBytesPerSecond, vcpus, containerRuntime);
  }

  TestHost withVcpus(int count) {
    return new TestHost(kubernetesMinorVersion, networkBytesPerSecond, capacityBytes, volumeBytesPerSecond, count, containerRuntime);
  }

  TestHost withContainerRuntime(ContainerRuntimeSettings settings) {
    return new TestHost(kubernetesMinorVersion, networkBytesPerSecond, capacityBytes, volumeBytesPerSecond, vcpus,
        settings);
  }

  @Override
  public String instanceId() {
    return "i-0123456789abcdef0";
  }

  @Override
  public DataVolume dataVolume() {
    return new DataVolume() {
      @Override
      public long capacityBytes() {
        return capacityBytes;
      }

      @Override
      public double throughputBytesPerSecond() {
        return volumeBytesPerSecond;
      }
    };
  }
}
