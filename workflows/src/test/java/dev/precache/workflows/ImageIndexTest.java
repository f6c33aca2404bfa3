package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ImageIndexTest {

  @Test
  void aListThatFitsIsStoredWhole() {
    List<String> images = List.of("docker.io/library/busybox:latest", "quay.io/org/app:1");

    assertThat(ImageIndex.of(images)).isEqualTo(images);
  }

  @Test
  void theMaximumPullsOfTheLongestReferencesFitAsKeys() {
    // 200 distinct references of the longest name and tag the grammar allows, plus a digest.
    List<String> images = IntStream.range(0, BuildRequestValidator.MAX_PULLS)
        .mapToObj(i -> ImageReference.parse("registry.example.com:5000/" + "a".repeat(220) + "/i" + i + ":"
            + "t".repeat(128) + "@sha256:" + "0".repeat(64)).toString())
        .toList();
    assertThat(ImageIndex.encodedSize(images)).isGreaterThan(ImageIndex.VALUE_LIMIT);

    List<String> indexed = ImageIndex.of(images);

    assertThat(indexed).hasSize(images.size()).doesNotHaveDuplicates().allMatch(ImageIndex::isKey);
    assertThat(ImageIndex.encodedSize(indexed)).isLessThanOrEqualTo(ImageIndex.VALUE_LIMIT);
    assertThat(indexed.get(7)).isEqualTo(ImageIndex.key(images.get(7)));
  }

  @Test
  void eightyShortReferencesAreAlreadyTooManyToStoreWhole() {
    // The list Temporal refused: "search attribute PrecacheImages value size 2231 exceeds size limit 2048".
    List<String> images = IntStream.range(0, 80).mapToObj(i -> "docker.io/library/image-" + i + ":latest").toList();

    assertThat(ImageIndex.of(images)).allMatch(ImageIndex::isKey);
  }

  @Test
  void aWholeReferenceIsNeverTakenForAKey() {
    assertThat(ImageIndex.isKey("docker.io/library/busybox:latest")).isFalse();
    assertThat(ImageIndex.key("docker.io/library/busybox:latest")).hasSize(ImageIndex.KEY_LENGTH)
        .matches("[A-Za-z0-9_-]+");
  }
}
