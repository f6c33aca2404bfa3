package dev.precache.simulator.instance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Bottlerocket's container-runtime settings as an instance reads them from its user data. */
class ContainerRuntimeSettingsTest {

  private static ContainerRuntimeSettings read(String toml) {
    return ContainerRuntimeSettings.fromUserData(
        Base64.getEncoder().encodeToString(toml.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void noUserDataOrNoContainerRuntimeTableKeepsContainerdsDefaults() {
    assertThat(ContainerRuntimeSettings.fromUserData(null)).isEqualTo(ContainerRuntimeSettings.DEFAULTS);
    assertThat(read("[settings.host-containers.admin]\nenabled = true\n"))
        .isEqualTo(new ContainerRuntimeSettings(3, 0, 1));
    assertThat(ContainerRuntimeSettings.DEFAULTS.chunkedFetch()).isFalse();
  }

  @Test
  void readsTheTableAndTheDottedKeysWithByteCountsOrSizeStrings() {
    assertThat(read("""
        [settings.host-containers.admin]
        enabled = true
        [settings.container-runtime]
        max-concurrent-downloads = 20
        concurrent-download-chunk-size = 16777216
        """)).isEqualTo(new ContainerRuntimeSettings(20, 16_777_216, 1));
    assertThat(read("""
        settings.container-runtime.max-concurrent-downloads = 8
        settings.container-runtime.concurrent-download-chunk-size = "64mb"
        """)).isEqualTo(new ContainerRuntimeSettings(8, 64_000_000, 1));
    // The alias Bottlerocket's model accepts, named after containerd's own setting.
    assertThat(read("[settings.container-runtime]\nconcurrent-layer-fetch-buffer = \"128mb\"\n"))
        .isEqualTo(new ContainerRuntimeSettings(3, 128_000_000, 1));
    // The EKS team's example for Bottlerocket on containerd 2.2.
    ContainerRuntimeSettings parallel = read("""
        [settings.container-runtime]
        max-concurrent-downloads = 20
        concurrent-download-chunk-size = 16777216
        max-concurrent-unpacks = 5
        """);
    assertThat(parallel).isEqualTo(new ContainerRuntimeSettings(20, 16_777_216, 5));
    assertThat(parallel.parallelUnpack()).isTrue();
    assertThat(ContainerRuntimeSettings.DEFAULTS.parallelUnpack()).isFalse();
  }

  @Test
  void keysOfOtherTablesAndUnreadableValuesAreNotTaken() {
    assertThat(read("""
        [settings.container-runtime-plugins.soci-snapshotter.parallel-pull-unpack]
        max-concurrent-downloads = 20
        concurrent-download-chunk-size = "16mb"
        [settings.container-runtime]
        max-concurrent-downloads = "many"
        max-concurrent-unpacks = 0
        """)).isEqualTo(ContainerRuntimeSettings.DEFAULTS);
  }

  @Test
  void aLayerLargerThanAChunkIsFetchedByUpToMaxConcurrentDownloadsRequests() {
    ContainerRuntimeSettings chunked = new ContainerRuntimeSettings(8, 16_000_000, 1);
    assertThat(chunked.requestsPerLayer(16_000_000)).isEqualTo(1);
    assertThat(chunked.requestsPerLayer(40_000_000)).isEqualTo(3);
    assertThat(chunked.requestsPerLayer(4_000_000_000L)).isEqualTo(8);
    assertThat(new ContainerRuntimeSettings(8, 511, 1).chunkedFetch()).isFalse();
    assertThat(new ContainerRuntimeSettings(8, 0, 1).requestsPerLayer(4_000_000_000L)).isEqualTo(1);
  }
}
