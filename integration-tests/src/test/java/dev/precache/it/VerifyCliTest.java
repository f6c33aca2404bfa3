package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.activities.AwsClients;
import dev.precache.simulator.ec2.Snapshot;
import dev.precache.workflows.SnapshotContent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * {@code precache verify} and {@code build --verify} through the real dev server, run by the production worker on
 * the simulated cloud: a snapshot restored on a probe per architecture, checked with ctr as the simulator runs it.
 */
class VerifyCliTest extends RealBuildTest {
  private static final String NGINX = "docker.io/library/nginx:1.27";
  private static final String ALPINE = "public.ecr.aws/docker/library/alpine:3.20";
  private static final Pattern SAMPLED_READ = Pattern.compile(
      "read \\d+ MiB of the restored volume at ([0-9.]+) MiB/s: its [0-9.]+ GiB of images are fully readable"
          + " after about \\d+[hms]");
  private static final Pattern ALL_DONE = Pattern.compile("All done! Created snapshot in us-west-2: (snap-[0-9a-f]+)");

  @Test
  void aGoodSnapshotPassesOnAnAmd64AndAGravitonProbeAndLeavesNothing() {
    String snapshotId = built("-A", "amd64,arm64", "--name", "it-verify-good", NGINX + "," + ALPINE);

    Cli.Run verify = new Cli(temporal.client()).run("verify", snapshotId, "-r", "us-west-2");
    keep("verify-passed.txt", verify);

    assertThat(verify.exitCode()).as("%s", verify).isZero();
    assertThat(verify.out()).contains("Started verify precache-verify-" + snapshotId,
        "Verified " + snapshotId + " in us-west-2: 4 image(s) complete, at their recorded digests and pinned",
        "linux/amd64 on m5.large", "linux/arm64 on m6g.medium");
    // Each probe read part of its lazily initialised volume: the rate it measured is the simulator's S3 fetch rate
    // (FIGURES.md, EBS: 5–9 MB/s), far below the volume's throughput, and the readable time follows from it.
    List<Double> rates = SAMPLED_READ.matcher(verify.out()).results()
        .map(read -> Double.parseDouble(read.group(1))).toList();
    assertThat(rates).as("%s", verify.out()).hasSize(2).allSatisfy(rate -> assertThat(rate).isBetween(4.0, 10.0));
    assertThat(verify.out()).contains("on a node restored as this probe was (no initialization rate;");

    // Restored as nodes given --volume-initialization-rate 300 would be, the probes read far faster.
    Cli.Run rated = new Cli(temporal.client()).run("verify", snapshotId, "-r", "us-west-2",
        "--volume-initialization-rate", "300");
    keep("verify-rated.txt", rated);
    assertThat(rated.exitCode()).as("%s", rated).isZero();
    assertThat(rated.out()).contains("Started verify precache-verify-" + snapshotId + "-rate-300",
        "on a node restored as this probe was (initialization rate 300 MiB/s;");
    assertThat(SAMPLED_READ.matcher(rated.out()).results().map(read -> Double.parseDouble(read.group(1))))
        .hasSize(2).allSatisfy(rate -> assertThat(rate).isGreaterThan(50.0));
    assertThat(verify.out().lines().filter(line -> line.contains("complete (") && line.endsWith("yes"))).hasSize(4);
    assertThat(probeStacks()).hasSize(4).allSatisfy(name -> assertThat(name).startsWith("precache-verify-"));
    aws.assertNothingLeft();
  }

  @Test
  void aSnapshotMissingARecordedPlatformFailsNamingItAndLeavesNothing() {
    String snapshotId = built("-A", "amd64", "--name", "it-verify-missing", ALPINE);
    Snapshot snapshot = aws.cloud().snapshot(snapshotId).orElseThrow();
    assertThat(snapshot.contents()).extracting(content -> content.platform()).containsExactly("linux/amd64");
    // The tags claim an arm64 image the volume never held, as a hand-edited or mis-merged snapshot might.
    String recorded = SnapshotContent.imageList(tagsOf(snapshotId));
    String digest = recorded.split(" ")[2];
    retag(snapshotId, SnapshotContent.IMAGES_PREFIX + "1", recorded + "," + ALPINE + " linux/arm64 " + digest);
    int stacksBefore = probeStacks().size();

    Cli.Run verify = new Cli(temporal.client()).run("verify", snapshotId, "-r", "us-west-2");
    keep("verify-failed.txt", verify);

    assertThat(verify.exitCode()).as("%s", verify).isEqualTo(1);
    assertThat(verify.err()).contains("error: " + snapshotId + " failed verification (" + ALPINE
        + " (linux/arm64): unavailable (0/?), not unpacked)");
    assertThat(verify.out()).contains("FAILED " + snapshotId);
    assertThat(verify.out().lines().filter(line -> line.startsWith(ALPINE) && line.contains("linux/amd64")
        && line.endsWith("yes"))).hasSize(1);
    assertThat(probeStacks()).hasSize(stacksBefore + 2);
    aws.assertNothingLeft();
  }

  @Test
  void aSnapshotThatDoesNotExistIsBadInputAndLaunchesNothing() {
    int stacksBefore = probeStacks().size();

    Cli.Run verify = new Cli(temporal.client()).run("verify", "snap-0123456789abcdef0", "-r", "us-west-2");

    assertThat(verify.exitCode()).as("%s", verify).isEqualTo(2);
    assertThat(verify.err()).contains("error: cannot verify snap-0123456789abcdef0 (no snapshot "
        + "snap-0123456789abcdef0 in us-west-2 (InvalidSnapshot.NotFound))");
    assertThat(probeStacks()).hasSize(stacksBefore);
    assertThat(new Cli(temporal.client()).run("verify", "snap-xyz", "-r", "us-west-2").exitCode()).isEqualTo(2);
  }

  @Test
  void buildWithVerifyPublishesAVerifiedSnapshot() {
    Cli.Run build = new Cli(temporal.client()).run("build", "-r", "us-west-2", "-A", "arm64", "--verify",
        "--name", "it-build-verify", "-op", "/precache/it-build-verify", ALPINE);

    assertThat(build.exitCode()).as("%s", build).isZero();
    Matcher done = ALL_DONE.matcher(build.out());
    assertThat(done.find()).as("%s", build).isTrue();
    assertThat(aws.snapshotIds()).contains(done.group(1));
    assertThat(probeStacks()).anySatisfy(name -> assertThat(name).startsWith("precache-verify-arm64-"));
    aws.assertNothingLeft();
  }

  /** What the CLI printed, kept in target/verify/ for a reader (the README's sample). */
  private static void keep(String file, Cli.Run run) {
    try {
      Path directory = Files.createDirectories(Path.of("target", "verify"));
      Files.writeString(directory.resolve(file), run.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String built(String... flagsThenImages) {
    List<String> args = new java.util.ArrayList<>(List.of("build", "-r", "us-west-2"));
    args.addAll(List.of(flagsThenImages));
    Cli.Run build = new Cli(temporal.client()).run(args.toArray(String[]::new));
    assertThat(build.exitCode()).as("%s", build).isZero();
    Matcher done = ALL_DONE.matcher(build.out());
    assertThat(done.find()).as("%s", build).isTrue();
    return done.group(1);
  }

  /** Every probe stack the simulated CloudFormation has seen, deleted or not. */
  private List<String> probeStacks() {
    return aws.cloud().allStacks().stream().map(stack -> stack.name())
        .filter(name -> name.startsWith("precache-verify-")).toList();
  }

  private Map<String, String> tagsOf(String snapshotId) {
    try (AwsClients clients = aws.newAwsClients()) {
      return clients.ec2("us-west-2").describeSnapshots(r -> r.snapshotIds(snapshotId)).snapshots().get(0).tags()
          .stream().collect(java.util.stream.Collectors.toMap(Tag::key, Tag::value));
    }
  }

  private void retag(String snapshotId, String key, String value) {
    try (AwsClients clients = aws.newAwsClients()) {
      clients.ec2("us-west-2").createTags(r -> r.resources(snapshotId).tags(Tag.builder().key(key).value(value).build()));
    }
  }
}
