package dev.precache.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.precache.activities.Containerd.ListedImage;
import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.VolumeUsage;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContainerdTest {

  @Test
  void everyPullFlagComesBeforeTheImageReference() {
    String ecr = "123456789012.dkr.ecr.us-west-2.amazonaws.com/precache/sample-model:v1";
    for (String command : List.of(Containerd.pull("docker.io/library/busybox:1.36", "linux/amd64", false, false),
        Containerd.pull(ecr, "linux/amd64", true, false).replaceFirst("'$", ""))) {
      assertThat(command.substring(command.lastIndexOf(' ') + 1)).doesNotStartWith("-");
      assertThat(command).contains(" images pull --label io.cri-containerd.image=managed"
          + " --label io.cri-containerd.pinned=pinned --platform linux/amd64 ").doesNotContain("--local");
    }
    assertThat(Containerd.pull(ecr, "linux/amd64", true, false))
        .endsWith(" --platform linux/amd64 --user AWS:{} " + ecr + "'");
  }

  @Test
  void aClientSidePullAsksForLocalBeforeTheReferenceAndKeepsEveryOtherFlag() {
    String ecr = "123456789012.dkr.ecr.us-west-2.amazonaws.com/precache/sample-model:v1";
    String flags = " images pull --local --label io.cri-containerd.image=managed"
        + " --label io.cri-containerd.pinned=pinned --platform linux/amd64 ";
    assertThat(Containerd.pull("docker.io/library/busybox:1.36", "linux/amd64", false, true))
        .endsWith(flags + "docker.io/library/busybox:1.36");
    assertThat(Containerd.pull(ecr, "linux/amd64", true, true)).contains(flags + "--user AWS:{} " + ecr + "'");
    assertThat(Containerd.pullWithParameterLogin("registry.example.com/team/model:1", "linux/amd64", "us-west-2",
        "/precache/builds/b/registry/registry.example.com/0123", true))
        .contains(flags + "--user \"$login\" registry.example.com/team/model:1'");
  }

  @Test
  void aReferenceTheShellWouldInterpretIsRejected() {
    ApplicationFailure failure = catchThrowableOfType(ApplicationFailure.class,
        () -> Containerd.pull("docker.io/library/busybox:1.36; rm -rf /", "linux/amd64", true, true));

    assertThat(failure.getType()).isEqualTo(BuildFailures.INVALID_REQUEST);
    assertThat(failure.isNonRetryable()).isTrue();
  }

  @Test
  void removeAllImagesPipesTheListIntoRemove() {
    assertThat(Containerd.REMOVE_ALL_IMAGES).isEqualTo("apiclient exec admin sheltie sh -c '"
        + "ctr -a /run/containerd/containerd.sock -n k8s.io images ls -q"
        + " | xargs -r ctr -a /run/containerd/containerd.sock -n k8s.io images rm'");
  }

  @Test
  void parsesTheImageListWithTwoWordSizesAndPlatformLists() {
    String output = """
        REF                                 TYPE                                    DIGEST        SIZE      PLATFORMS                 LABELS
        docker.io/vllm/vllm-openai:v0.9     application/vnd.oci.image.index.v1+json sha256:1111   16.2 GiB  linux/amd64,linux/arm64   io.cri-containerd.image=managed,io.cri-containerd.pinned=pinned
        docker.io/library/busybox:1.36      application/vnd.oci.image.index.v1+json sha256:2222   4.3 MiB   linux/arm64/v8            -
        localhost/tiny:1                    application/vnd.oci.image.manifest.v1+json sha256:3333 512 B    linux/amd64               -
        """;

    List<ListedImage> images = Containerd.parseImageList(output);

    assertThat(images).containsExactly(
        new ListedImage("docker.io/vllm/vllm-openai:v0.9", "sha256:1111", (long) (16.2 * (1L << 30)),
            List.of("linux/amd64", "linux/arm64"),
            List.of("io.cri-containerd.image=managed", "io.cri-containerd.pinned=pinned")),
        new ListedImage("docker.io/library/busybox:1.36", "sha256:2222", (long) (4.3 * (1L << 20)),
            List.of("linux/arm64/v8"), List.of()),
        new ListedImage("localhost/tiny:1", "sha256:3333", 512, List.of("linux/amd64"), List.of()));
    assertThat(images.get(1).hasPlatform("linux/arm64")).isTrue();
    assertThat(images.get(1).hasPlatform("linux/arm")).isFalse();
    assertThat(images.get(0).hasPlatform("linux/arm64")).isTrue();
  }

  /**
   * {@code ctr content ls} as cmd/ctr/commands/content/content.go prints it: a tabwriter padded with tabs, sizes
   * from go-units HumanSize, ages in words, labels joined by commas.
   */
  @Test
  void readsTheDigestsOfTheContentList() {
    String output = "DIGEST\t\t\t\t\t\t\t\t\tSIZE\tAGE\t\tLABELS\n"
        + "sha256:" + "a".repeat(64) + "\t2.59kB\t5 minutes\tcontainerd.io/gc.ref.content.m.0=sha256:" + "b".repeat(64)
        + ",containerd.io/distribution.source.docker.io=library/busybox\n"
        + "sha256:" + "b".repeat(64) + "\t528B\tAbout a minute\t-\n"
        + "sha256:" + "c".repeat(64) + "\t2.15MB\t2 hours\tcontainerd.io/uncompressed=sha256:" + "d".repeat(64) + "\n";

    assertThat(Containerd.parseContentList(output))
        .containsExactlyInAnyOrder("sha256:" + "a".repeat(64), "sha256:" + "b".repeat(64), "sha256:" + "c".repeat(64));
  }

  /** coreutils {@code df -B1 --output=size,used,avail}: right-aligned numbers under a header. */
  @Test
  void readsTheVolumeUsage() {
    String output = """
            1B-blocks        Used       Avail
        107321753600 20482785280 86822191104
        """;

    assertThat(Containerd.parseVolumeUsage(output))
        .isEqualTo(new VolumeUsage(107_321_753_600L, 20_482_785_280L, 86_822_191_104L));
    assertThat(catchThrowableOfType(ApplicationFailure.class,
        () -> Containerd.parseVolumeUsage("df: /var/lib/containerd: No such file or directory\n")).getType())
        .isEqualTo(BuildFailures.COMMAND_FAILED);
  }

  @Test
  void anEmptyListHasNoImages() {
    assertThat(Containerd.parseImageList("REF TYPE DIGEST SIZE PLATFORMS LABELS\n")).isEmpty();
    assertThat(Containerd.parseImageList("")).isEmpty();
  }

  @Test
  void listingsNameWhatTheyLookForInBatchesThatFitSsmsOutput() {
    assertThat(Containerd.listImages(List.of("docker.io/library/busybox:latest", "quay.io/org/app:1")))
        .isEqualTo(Containerd.LIST_IMAGES + " name==docker.io/library/busybox:latest name==quay.io/org/app:1");
    assertThat(Containerd.listContent(List.of("sha256:" + "a".repeat(64))))
        .isEqualTo(Containerd.LIST_CONTENT + " -q digest==sha256:" + "a".repeat(64));
    assertThat(Containerd.batches(java.util.stream.IntStream.range(0, 45).boxed().toList(), 20))
        .extracting(List::size).containsExactly(20, 20, 5);
    // The widest image line ctr prints (name, tag, digest, size, platforms, labels) times a batch fits 24,000.
    assertThat(Containerd.IMAGES_PER_LISTING * 600).isLessThanOrEqualTo(24_000);
    assertThat(Containerd.BLOBS_PER_LISTING * ("sha256:".length() + 64 + 1)).isLessThanOrEqualTo(24_000);
    // Verify runs a batch of each, and df, in one command: its whole output still fits.
    assertThat(Containerd.IMAGES_PER_LISTING * 600 + Containerd.BLOBS_PER_LISTING * 72 + 200)
        .isLessThanOrEqualTo(24_000);
  }

  @Test
  void commandsRunAsOneGiveBackTheirOutputsSectionBySection() {
    String command = Containerd.inOneCommand(List.of("a", "b", "c"));
    String output = "REF TYPE\nimage line\n" + Containerd.SECTION_BREAK + "\nsha256:aa\n" + Containerd.SECTION_BREAK
        + "\n1 2 3\n";

    assertThat(command).isEqualTo("a && echo '" + Containerd.SECTION_BREAK + "' && b && echo '"
        + Containerd.SECTION_BREAK + "' && c");
    assertThat(Containerd.sections(output)).containsExactly("REF TYPE\nimage line\n", "sha256:aa\n", "1 2 3\n");
  }

  @Test
  void aProbesCheckIsOneCommandWhoseTwoSectionsReadAsCtrPrintsThem() {
    String command = Containerd.checkAndList(List.of("docker.io/library/nginx:1.27"));
    assertThat(command).isEqualTo("apiclient exec admin sheltie ctr -a /run/containerd/containerd.sock -n k8s.io"
        + " images check name==docker.io/library/nginx:1.27 ; echo '" + Containerd.SECTION_BREAK + "' ; apiclient"
        + " exec admin sheltie ctr -a /run/containerd/containerd.sock -n k8s.io images ls name==docker.io/library/nginx:1.27");

    // As cmd/ctr/commands/images checkCommand prints it: tabwriter with spaces, progress.Bytes sizes.
    String check = String.join("\n",
        "REF                          TYPE                                    DIGEST      STATUS            SIZE"
            + "                UNPACKED ",
        "docker.io/library/nginx:1.27 application/vnd.oci.image.index.v1+json sha256:aaaa complete (7/7)    "
            + "67.3 MiB/67.3 MiB true",
        "docker.io/library/alpine:3.2 application/vnd.oci.image.index.v1+json sha256:bbbb unavailable (0/?) "
            + "0.0 B/?             false",
        "quay.io/x/broken:1           application/vnd.oci.image.index.v1+json sha256:cccc error             -"
            + "                   false", "");
    assertThat(Containerd.parseImageCheck(check)).containsExactly(
        new Containerd.CheckedLine("docker.io/library/nginx:1.27", "sha256:aaaa", "complete (7/7)", true),
        new Containerd.CheckedLine("docker.io/library/alpine:3.2", "sha256:bbbb", "unavailable (0/?)", false),
        new Containerd.CheckedLine("quay.io/x/broken:1", "sha256:cccc", "error", false));
  }

  @Test
  void activeDownloadsAreReadAsLayerDigestsAndTheBytesWrittenInDecimalUnits() {
    String layer = "sha256:" + "a".repeat(64);
    String other = "sha256:" + "b".repeat(64);
    // As ctr's tabwriter prints it: REF SIZE AGE, sizes by go-units' HumanSize (4 significant digits, no space).
    String output = String.join("\n",
        "REF                                                                            SIZE     AGE",
        "layer-" + layer + "   5.123GB  About a minute",
        "layer-" + other + "   512B     Less than a second",
        "manifest-" + "sha256:" + "c".repeat(64) + "   1.2kB    2 seconds",
        "layer-" + "sha256:" + "d".repeat(64) + "   1.2.3MB  2 seconds");

    assertThat(Containerd.parseActiveDownloads(output))
        .containsExactly(Map.entry(layer, 5_123_000_000L), Map.entry(other, 512L));
  }
}
