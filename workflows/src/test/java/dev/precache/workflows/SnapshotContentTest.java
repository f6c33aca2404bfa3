package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotContentTest {

  private static ResolvedImage image(String name, String platform, String digestSeed) {
    return new ResolvedImage(name, platform, FakeCloud.sha256("index " + digestSeed),
        FakeCloud.sha256("manifest " + digestSeed + platform), FakeCloud.sha256("config " + name), 1_000,
        List.of(new ResolvedLayer(FakeCloud.sha256("layer " + name), "application/vnd.oci.image.layer.v1.tar+gzip",
            5_000)));
  }

  @Test
  void theContentHashIgnoresOrderAndChangesWithAnyDigest() {
    ResolvedImage a = image("docker.io/library/a:1", "linux/amd64", "a");
    ResolvedImage b = image("docker.io/library/b:1", "linux/amd64", "b");

    assertThat(SnapshotContent.hash(List.of(a, b))).isEqualTo(SnapshotContent.hash(List.of(b, a)))
        .startsWith("sha256:").hasSize(71);
    assertThat(SnapshotContent.hash(List.of(a, image("docker.io/library/b:1", "linux/amd64", "moved"))))
        .isNotEqualTo(SnapshotContent.hash(List.of(a, b)));
  }

  @Test
  void tagsStayWithinEc2sLimitsWithTheMostUserTagsAndTheListReadsBack() {
    List<ResolvedImage> few = List.of(image("docker.io/library/a:1", "linux/amd64", "a"),
        image("docker.io/library/a:1", "linux/arm64", "a"));
    Map<String, String> tags = SnapshotContent.tags("gpu", few, new VolumeUsage(10, 4, 6), 0);

    assertThat(tags).containsEntry(SnapshotContent.NAME, "gpu").containsEntry(SnapshotContent.VOLUME_USED_BYTES, "4")
        .containsEntry(SnapshotContent.COMPRESSED_BYTES, "6000");
    assertThat(SnapshotContent.imageList(tags)).isEqualTo(
        "docker.io/library/a:1 linux/amd64 " + few.get(0).digest() + ",docker.io/library/a:1 linux/arm64 "
            + few.get(1).digest());
    assertThat(SnapshotContent.usedPerCompressedByte(tags)).hasValue(4 / 6000.0);

    List<ResolvedImage> many = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      many.add(image("quay.io/some-organisation/a-rather-long-repository-name:tag-" + i, "linux/amd64", "x" + i));
    }
    Map<String, String> crowded = SnapshotContent.tags("gpu", many, new VolumeUsage(10, 4, 6),
        BuildRequestValidator.MAX_USER_TAGS);
    assertThat(crowded.size() + BuildRequestValidator.MAX_USER_TAGS + SnapshotContent.ACTIVITY_TAGS)
        .isLessThanOrEqualTo(SnapshotContent.EC2_MAX_TAGS);
    assertThat(crowded.values()).allSatisfy(value -> assertThat(value.length()).isLessThanOrEqualTo(256));
    assertThat(SnapshotContent.imageList(crowded)).endsWith(SnapshotContent.CUT)
        .startsWith("quay.io/some-organisation/a-rather-long-repository-name:tag-0 linux/amd64 sha256:");
  }

  @Test
  void aSnapshotWithoutMeasuredBytesHasNoRatio() {
    assertThat(SnapshotContent.usedPerCompressedByte(Map.of())).isEmpty();
    assertThat(SnapshotContent.usedPerCompressedByte(Map.of(SnapshotContent.COMPRESSED_BYTES, "0",
        SnapshotContent.VOLUME_USED_BYTES, "5"))).isEmpty();
  }
}
