package dev.precache.simulator.instance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * ctr's three tables as Go's text/tabwriter prints them: the golden file is the output of
 * {@code tabwriter/golden.go.txt} (go1.26 {@code go run}), with ctr's writer settings and format strings.
 */
class TabWriterTest {

  @Test
  void printsWhatGoTabwriterPrintsForCtrsTables() throws IOException {
    String ls = new TabWriter(' ')
        .line("REF\tTYPE\tDIGEST\tSIZE\tPLATFORMS\tLABELS\t")
        .line("docker.io/library/busybox:latest\tapplication/vnd.oci.image.index.v1+json\tsha256:aa\t2.1 MiB\t"
            + "linux/amd64,linux/arm64/v8\tio.cri-containerd.image=managed\t")
        .line("quay.io/x:y\tapplication/vnd.oci.image.index.v1+json\tsha256:bbbb\t15.0 GiB\tlinux/amd64\t-\t")
        .flush();
    String check = new TabWriter(' ')
        .line("REF\tTYPE\tDIGEST\tSTATUS\tSIZE\tUNPACKED\t")
        .line("docker.io/library/busybox:latest\tapplication/vnd.oci.image.index.v1+json\tsha256:aa\tcomplete (2/2)\t"
            + "2.1 MiB/2.1 MiB\ttrue")
        .line("quay.io/x:y\tapplication/vnd.oci.image.index.v1+json\tsha256:bbbb\tunavailable (0/?)\t0.0 B/?\tfalse")
        .flush();
    String content = new TabWriter('\t')
        .line("DIGEST\tSIZE\tAGE\tLABELS")
        .line("sha256:0123456789012345678901234567890123456789012345678901234567890123\t2.2MB\tLess than a second\t"
            + "containerd.io/uncompressed=sha256:ab")
        .line("sha256:1123456789012345678901234567890123456789012345678901234567890123\t571B\t2 minutes\t-")
        .flush();
    assertThat(ls + "--\n" + check + "--\n" + content).isEqualTo(golden());
  }

  @Test
  void goUnitsSizesAndAgesReadAsContentLsPrintsThem() {
    assertThat(GoUnits.humanSize(2_200_000)).isEqualTo("2.2MB");
    assertThat(GoUnits.humanSize(16_100_000_000L)).isEqualTo("16.1GB");
    assertThat(GoUnits.humanSize(4_976_000_000L)).isEqualTo("4.976GB");
    assertThat(GoUnits.humanSize(571)).isEqualTo("571B");
    assertThat(GoUnits.humanDuration(400)).isEqualTo("Less than a second");
    assertThat(GoUnits.humanDuration(130_000)).isEqualTo("2 minutes");
    assertThat(GoUnits.humanDuration(90 * 60_000)).isEqualTo("2 hours");
  }

  private static String golden() throws IOException {
    try (InputStream in = TabWriterTest.class.getResourceAsStream("/tabwriter/go-tabwriter-golden.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
