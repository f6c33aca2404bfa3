package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class VolumeSizingTest {
  private static final long GB = 1_000_000_000L;
  private static final String GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

  private static ResolvedImage image(String name, String config, ResolvedLayer... layers) {
    return new ResolvedImage(name, "linux/amd64", FakeCloud.sha256(name), FakeCloud.sha256("m" + name), config, 0,
        List.of(layers));
  }

  @Test
  void weightsCountOnceUnpackedOtherLayersThreeTimesAndSharedLayersOnce() {
    ResolvedLayer base = new ResolvedLayer("sha256:base", GZIP, 10_000_000);
    ResolvedLayer weights = new ResolvedLayer("sha256:weights", GZIP, 10 * GB);
    ResolvedLayer cuda = new ResolvedLayer("sha256:cuda", GZIP, 2 * GB);
    List<ResolvedImage> images = List.of(
        image("quay.io/redhat-ai-services/modelcar-catalog:llama", "sha256:c1", base, weights),
        image("quay.io/redhat-ai-services/modelcar-catalog:llama-copy", "sha256:c2", base, weights),
        image("docker.io/vllm/vllm-openai:v1", "sha256:c3", cuda));

    VolumeSizing sizing = VolumeSizing.of(images, OptionalDouble.empty());

    long compressed = 10_000_000 + 10 * GB + 2 * GB;
    assertThat(sizing.compressedBytes()).isEqualTo(compressed);
    long unpacked = 3 * 10_000_000 + 10 * GB + 3 * 2 * GB;
    assertThat(sizing.estimatedBytes()).isEqualTo(compressed + unpacked + VolumeSizing.GIB);
    // 12.01 GB compressed + 16.03 GB unpacked + 1 GiB = 27.1 GiB: 28 GiB needed, 27.1 / 0.85 = 31.9 → 32 GiB.
    assertThat(sizing.requiredGiB()).isEqualTo(28);
    assertThat(sizing.recommendedGiB()).isEqualTo(32);
    assertThat(sizing.basis()).contains("1× for 9.3 GiB of model weights", "3× for 1.9 GiB of other layers");
  }

  @Test
  void thePreviousRunsMeasuredRatioReplacesTheEstimate() {
    List<ResolvedImage> images = List.of(image("docker.io/library/app:1", "sha256:c",
        new ResolvedLayer("sha256:l", GZIP, 10 * GB)));

    VolumeSizing sizing = VolumeSizing.of(images, OptionalDouble.of(1.5));

    assertThat(sizing.estimatedBytes()).isEqualTo(15 * GB);
    assertThat(sizing.requiredGiB()).isEqualTo(14);
    assertThat(sizing.recommendedGiB()).isEqualTo(17);
    assertThat(sizing.basis()).startsWith("1.50× the compressed bytes, as measured");
  }

  @Test
  void anUncompressedOrModelPackLayerIsWeightsWhateverTheRepository() {
    ResolvedImage any = image("docker.io/library/app:1", "sha256:c");
    assertThat(VolumeSizing.isWeights(any, new ResolvedLayer("sha256:a", "application/vnd.oci.image.layer.v1.tar", 1)))
        .isTrue();
    assertThat(VolumeSizing.isWeights(any,
        new ResolvedLayer("sha256:b", "application/vnd.cncf.model.weight.v1.raw", 1))).isTrue();
    assertThat(VolumeSizing.isWeights(any, new ResolvedLayer("sha256:c", GZIP, 10 * GB))).isFalse();
  }
}
