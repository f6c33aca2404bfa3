package dev.precache.starter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.SnapshotCompatibility;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The guard's reading of a class: the variant a build recorded against the class's AMI selector and user data. */
class NodeClassCompatibilityTest {
  private static final SnapshotCompatibility NVIDIA_133 =
      SnapshotCompatibility.ofBuild("/aws/service/bottlerocket/aws-k8s-1.33-nvidia/x86_64/latest/image_id");

  @Test
  void aBuildRecordsBottlerocketsDefaultSnapshotterAndItsAmisVariant() {
    assertThat(NVIDIA_133).isEqualTo(new SnapshotCompatibility("overlayfs", "aws-k8s-1.33-nvidia"));
    assertThat(NVIDIA_133.tags()).containsExactly(Map.entry("precache:snapshotter", "overlayfs"),
        Map.entry("precache:variant", "aws-k8s-1.33-nvidia"));
    assertThat(SnapshotCompatibility.ofBuild("/my/own/ami").variant()).isNull();
  }

  @Test
  void anotherKubernetesVersionIsWarnedButTheNvidiaFlavourOfTheSameIsNot() {
    Map<String, Object> older = Map.of("amiSelectorTerms", List.of(Map.of("ssmParameter",
        "/aws/service/bottlerocket/aws-k8s-1.32/x86_64/latest/image_id")));
    Map<String, Object> same = Map.of("amiSelectorTerms", List.of(Map.of("ssmParameter",
        "/aws/service/bottlerocket/aws-k8s-1.33/arm64/latest/image_id")));

    assertThat(NodeClassCompatibility.warnings(NVIDIA_133, older)).containsExactly("amiSelectorTerms ssmParameter"
        + " selects Bottlerocket aws-k8s-1.32, the snapshot was built on aws-k8s-1.33-nvidia: another Kubernetes"
        + " version ships another containerd, which may not read the volume as written");
    assertThat(NodeClassCompatibility.warnings(NVIDIA_133, same)).isEmpty();
  }

  @Test
  void theSnapshotterIsReadFromTheTableOrTheDottedKeyAndTheDefaultIsNotWarned() {
    assertThat(NodeClassCompatibility.snapshotterOf("[settings.container-runtime]\nsnapshotter = \"soci\"\n"))
        .isEqualTo("soci");
    assertThat(NodeClassCompatibility.snapshotterOf("settings.container-runtime.snapshotter = 'soci'\n"))
        .isEqualTo("soci");
    assertThat(NodeClassCompatibility.snapshotterOf("[settings.kubernetes]\nmax-pods = 110\n")).isNull();
    assertThat(NodeClassCompatibility.warnings(NVIDIA_133,
        Map.of("userData", "[settings.container-runtime]\nsnapshotter = \"overlayfs\"\n"))).isEmpty();
  }
}
