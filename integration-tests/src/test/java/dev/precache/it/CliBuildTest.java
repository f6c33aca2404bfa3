package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code precache build} through the real dev server, run by the production worker on the simulated cloud. */
class CliBuildTest extends RealBuildTest {
  private static final String NGINX = "docker.io/library/nginx:1.27";
  private static final String ALPINE = "public.ecr.aws/docker/library/alpine:3.20";
  private static final Pattern ALL_DONE = Pattern.compile("All done! Created snapshot in us-west-2: (snap-[0-9a-f]+)");

  @Test
  void buildSnapshotsExactlyTheRequestedImagesAndLeavesNothingBehind() {
    Cli.Run build = new Cli(temporal.client())
        .run("build", "-r", "us-west-2", "-A", "amd64,arm64", "--name", "it-cli", NGINX + "," + ALPINE);

    assertThat(build.exitCode()).as("%s", build).isZero();
    Matcher done = ALL_DONE.matcher(build.out());
    assertThat(done.find()).as("%s", build).isTrue();
    String snapshotId = done.group(1);
    assertThat(build.out()).contains("[1/9]", "[9/9]");
    assertThat(aws.snapshotIds()).containsExactly(snapshotId);
    assertThat(aws.snapshotContents(snapshotId))
        .isEqualTo(SimulatedAws.imagesTimesPlatforms(List.of(NGINX, ALPINE), List.of("linux/amd64", "linux/arm64")));
    aws.assertNothingLeft();
  }
}
