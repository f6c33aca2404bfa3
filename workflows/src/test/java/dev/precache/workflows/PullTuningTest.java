package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PullTuningTest {
  private static final InstanceCapacity G5_2XLARGE = new InstanceCapacity("g5.2xlarge", 8, 5, 10);
  private static final InstanceCapacity T3_MICRO = new InstanceCapacity("t3.micro", 1, 0.064, 5);

  private static String parameter(String variant) {
    return "/aws/service/bottlerocket/" + variant + "/x86_64/latest/image_id";
  }

  /** {@code count} images of {@code layers} layers each, the first layer (a base) shared by all. */
  private static List<ResolvedImage> images(int count, int layers) {
    return IntStream.range(0, count).mapToObj(i -> new ResolvedImage("quay.io/a/b:" + i, "linux/amd64", "sha256:i" + i,
        "sha256:m" + i, "sha256:c" + i, 0, IntStream.range(0, layers).mapToObj(l -> new ResolvedLayer(
            l == 0 ? "sha256:base" : "sha256:" + i + "-" + l, "gzip", 1L << 30)).toList())).toList();
  }

  @Test
  void variantsOnContainerd22UnpackEveryDistinctLayerAtOnceAndAtLeastOnePerVcpu() {
    PullTuning downloads = PullTuning.forInstance(G5_2XLARGE, 5);

    // 5 images of 7 layers sharing their base: 31 distinct layers, each with a permit.
    assertThat(downloads.withUnpacksFor(G5_2XLARGE, parameter("aws-k8s-1.33-nvidia"), images(5, 7)))
        .isEqualTo(new PullTuning(25, 16 << 20, 31));
    // Fewer layers than vCPUs: one per vCPU; far more: at most 64.
    assertThat(downloads.withUnpacksFor(G5_2XLARGE, parameter("aws-k8s-1.36-nvidia-fips"), images(1, 3))
        .maxConcurrentUnpacks()).isEqualTo(8);
    assertThat(downloads.withUnpacksFor(G5_2XLARGE, parameter("aws-k8s-1.35"), images(20, 10))
        .maxConcurrentUnpacks()).isEqualTo(64);
    // One layer on one vCPU still gets 2: containerd makes no unpack limiter, so unpacks in order, below that.
    assertThat(PullTuning.forInstance(T3_MICRO, 1).withUnpacksFor(T3_MICRO, parameter("aws-k8s-1.34"), images(1, 1))
        .maxConcurrentUnpacks()).isEqualTo(2);
    assertThat(downloads.withUnpacksFor(G5_2XLARGE, parameter("aws-k8s-1.34"), images(1, 3)).summary())
        .isEqualTo("containerd's transfer service: 25 registry requests at once, layers in 16 MiB chunks, 8 layers"
            + " unpacked at once");
  }

  @Test
  void containerd17VariantsAndUnknownAmisKeepTheirInOrderUnpack() {
    PullTuning downloads = PullTuning.forInstance(G5_2XLARGE, 5);

    assertThat(downloads.withUnpacksFor(G5_2XLARGE, parameter("aws-k8s-1.32-nvidia"), images(5, 7)))
        .isEqualTo(downloads);
    assertThat(downloads.withUnpacksFor(G5_2XLARGE, "/my-team/bottlerocket/ami", images(5, 7))).isEqualTo(downloads);
    assertThat(downloads.withUnpacksFor(G5_2XLARGE, parameter("aws-ecs-2"), images(5, 7))).isEqualTo(downloads);
    assertThat(downloads.withUnpacksFor(G5_2XLARGE, null, images(5, 7)).parallelUnpack()).isFalse();
    assertThat(downloads.summary()).doesNotContain("unpacked");
  }
}
