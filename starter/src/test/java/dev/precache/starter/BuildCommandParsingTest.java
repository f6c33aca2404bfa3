package dev.precache.starter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.RegionCopy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BuildCommandParsingTest {
  private final AtomicInteger connections = new AtomicInteger();
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private final CommandLine cli = new PrecacheCli(() -> {
    connections.incrementAndGet();
    throw new AssertionError("nothing may be started");
  }, Duration.ofMillis(10)).commandLine()
      .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));

  private BuildRequest parse(String... args) {
    CommandLine.ParseResult parsed = cli.parseArgs(args);
    BuildCommand build = (BuildCommand) parsed.subcommand().commandSpec().userObject();
    return build.toRequest();
  }

  @Test
  void shortFlagsOfSnapshotShMapToTheRequest() {
    BuildRequest request = parse("build", "-r", "eu-west-1", "-a", "/aws/service/bottlerocket/x", "-i", "g5.xlarge",
        "-e", "-k", "alias/snap", "-s", "120", "-R", "my-role", "-q", "-sg", "sg-123", "-sn", "subnet-456",
        "-op", "/precache/snapshot", "-p", "false", "-A", "amd64,arm64", "nginx:latest");

    assertThat(request).isEqualTo(new BuildRequest(null, "eu-west-1", List.of("nginx:latest"),
        List.of("linux/amd64", "linux/arm64"), "/aws/service/bottlerocket/x", "g5.xlarge", true, "alias/snap", 120,
        "my-role", "sg-123", "subnet-456", "/precache/snapshot", false, Map.of(), null, null, null, null));
  }

  @Test
  void longFlagsOfSnapshotShMapToTheRequest() {
    BuildRequest request = parse("build", "--region", "eu-west-1", "--ami", "/aws/service/bottlerocket/x",
        "--instance-type", "g5.xlarge", "--encrypt", "--kms-id", "alias/snap", "--snapshot-size", "120",
        "--instance-role", "my-role", "--quiet", "--security-group-id", "sg-123", "--subnet-id", "subnet-456",
        "--output-parameter-name", "/precache/snapshot", "--public-ip", "false", "--arch", "arm64", "nginx:latest");

    assertThat(request).isEqualTo(new BuildRequest(null, "eu-west-1", List.of("nginx:latest"),
        List.of("linux/arm64"), "/aws/service/bottlerocket/x", "g5.xlarge", true, "alias/snap", 120,
        "my-role", "sg-123", "subnet-456", "/precache/snapshot", false, Map.of(), null, null, null, null));
  }

  @Test
  void multiCharacterShortOptionsAreNotReadAsClusters() {
    // -s takes a value, so a clustering parser would read -sg as "-s g" and -sn as "-s n".
    BuildRequest request = parse("build", "-sn", "subnet-1", "-sg", "sg-1", "-op", "/p", "-s", "70", "img");

    assertThat(request.subnetId()).isEqualTo("subnet-1");
    assertThat(request.securityGroupId()).isEqualTo("sg-1");
    assertThat(request.outputParameterName()).isEqualTo("/p");
    assertThat(request.volumeSizeGiB()).isEqualTo(70);
  }

  @Test
  void precacheFlagsMapToTheRequest() {
    BuildRequest request = parse("build", "--name", "gpu-models", "--tag", "team=ml", "--tag", "env=prod",
        "--timeout", "90m", "--parallelism", "8", "--volume-throughput", "500", "--volume-iops", "6000",
        "img");

    assertThat(request.name()).isEqualTo("gpu-models");
    assertThat(request.tags()).isEqualTo(Map.of("team", "ml", "env", "prod"));
    assertThat(request.timeout()).isEqualTo(Duration.ofMinutes(90));
    assertThat(request.pullParallelism()).isEqualTo(8);
    assertThat(request.volumeThroughputMiBps()).isEqualTo(500);
    assertThat(request.volumeIops()).isEqualTo(6000);
  }

  @Test
  void flagsLeftOutAreLeftToTheValidatorExceptTheRegionFromTheEnvironmentAndPublicIpDefaultsToTrue() {
    BuildRequest request = parse("build", "img");

    assertThat(System.getenv("AWS_REGION")).as("surefire sets AWS_REGION").isNotBlank();
    assertThat(request).isEqualTo(new BuildRequest(null, System.getenv("AWS_REGION"), List.of("img"), null, null, null, false, null, null,
        null, null, null, null, true, Map.of(), null, null, null, null));
  }

  @Test
  void fromPreviousAndFromScratchSayHowTheVolumeStartsAndNeitherLeavesItToHowTheBuildStarted() {
    assertThat(parse("build", "--from-previous", "img").fromPrevious()).isTrue();
    assertThat(parse("build", "--from-scratch", "img").fromPrevious()).isFalse();
    assertThat(parse("build", "img").fromPrevious()).isNull();
  }

  @Test
  void keepCopiesAndSharesMapToTheRequestAndBesideMainsFlags() {
    BuildRequest request = parse("build", "-e", "--keep", "4", "--copy-to-region", "us-east-1",
        "--copy-to-region", "eu-west-1=alias/precache", "--share-with-account", "210987654321", "--fast-restore",
        "us-west-2a", "--from-previous", "img");

    assertThat(request.keepSnapshots()).isEqualTo(4);
    assertThat(request.copyToRegions()).containsExactly(new RegionCopy("us-east-1", null),
        new RegionCopy("eu-west-1", "alias/precache"));
    assertThat(request.shareWithAccounts()).containsExactly("210987654321");
    assertThat(request.fastRestoreZones()).containsExactly("us-west-2a");
    assertThat(request.fromPrevious()).isTrue();
    assertThat(parse("build", "img")).extracting(BuildRequest::keepSnapshots, BuildRequest::copyToRegions,
        BuildRequest::shareWithAccounts).containsOnlyNulls();
  }

  @Test
  void aCopyToTheBuildsOwnRegionIsAUsageErrorNamingTheFlag() {
    int exit = cli.execute("build", "-r", "us-west-2", "--copy-to-region", "us-west-2", "img");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("--copy-to-region", "copy it to other regions");
    assertThat(connections).hasValue(0);
  }

  @Test
  void fromPreviousWithFromScratchIsAUsageErrorAndStartsNothing() {
    int exit = cli.execute("build", "--from-previous", "--from-scratch", "img");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString().strip())
        .isEqualTo("error: invalid --from-previous (give --from-previous or --from-scratch, not both)");
    assertThat(connections).hasValue(0);
  }

  @Test
  void imageListIsSplitOnCommas() {
    BuildRequest request = parse("build", "public.ecr.aws/a/b:1,docker.io/library/nginx:1.27,registry.k8s.io/pause@sha256:abc");

    assertThat(request.images())
        .containsExactly("public.ecr.aws/a/b:1", "docker.io/library/nginx:1.27", "registry.k8s.io/pause@sha256:abc");
  }

  @Test
  void unknownFlagIsAUsageErrorAndStartsNothing() {
    int exit = cli.execute("build", "--no-such-flag", "img");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("--no-such-flag");
    assertThat(connections).hasValue(0);
  }

  @Test
  void missingImageListIsAUsageError() {
    assertThat(cli.execute("build", "-r", "us-east-1")).isEqualTo(2);
    assertThat(err.toString()).contains("IMAGES");
  }

  @Test
  void malformedTimeoutIsAUsageError() {
    assertThat(cli.execute("build", "--timeout", "soon", "img")).isEqualTo(2);
    assertThat(err.toString()).contains("'soon' is not a duration");
  }

  @Test
  void invalidInputNamesTheFlagAndStartsNothing() {
    int exit = cli.execute("build", "-s", "0", "img");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString().strip()).isEqualTo("error: invalid --snapshot-size (must be between 1 and 65536 GiB, got 0)");
    assertThat(connections).hasValue(0);
  }

  @Test
  void restoreSpeedFlagsReachTheRequestAndBadOnesNameTheFlag() {
    BuildRequest rated = parse("build", "-r", "us-west-2", "--volume-initialization-rate", "300", "img");
    assertThat(rated.volumeInitializationRateMiBps()).isEqualTo(300);
    BuildRequest fast = parse("build", "-r", "us-west-2", "--fast-restore", "us-west-2a,us-west-2c", "img");
    assertThat(fast.fastRestoreZones()).containsExactly("us-west-2a", "us-west-2c");

    assertThat(cli.execute("build", "-r", "us-west-2", "--fast-restore", "eu-west-1a", "img")).isEqualTo(2);
    assertThat(err.toString().strip()).isEqualTo("error: invalid --fast-restore (must be Availability Zones of "
        + "us-west-2 such as us-west-2a, got 'eu-west-1a')");
    assertThat(cli.execute("build", "-r", "us-west-2", "--volume-initialization-rate", "500", "img")).isEqualTo(2);
    assertThat(err.toString()).contains("error: invalid --volume-initialization-rate (must be between 100 and 300 "
        + "MiB/s, got 500)");
    assertThat(connections).hasValue(0);
  }

  @Test
  void buildHelpListsEveryFlag() {
    assertThat(cli.execute("build", "--help")).isZero();

    assertThat(out.toString()).contains("-r, --region", "-a, --ami", "-i, --instance-type", "-e, --encrypt",
        "-k, --kms-id", "-s, --snapshot-size", "-R, --instance-role", "-q, --quiet", "-sg, --security-group-id",
        "-sn, --subnet-id", "-op, --output-parameter-name", "-p, --public-ip", "-A, --arch", "--name", "--tag",
        "--timeout", "--parallelism", "--volume-throughput", "--volume-iops", "--detach", "IMAGES");
  }
}
