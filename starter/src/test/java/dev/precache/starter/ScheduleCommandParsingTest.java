package dev.precache.starter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildRequestValidator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ScheduleCommandParsingTest {
  private final AtomicInteger connections = new AtomicInteger();
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @TempDir
  Path directory;

  private CommandLine cli() {
    return new PrecacheCli(() -> {
      connections.incrementAndGet();
      throw new AssertionError("nothing may be created");
    }, Duration.ofMillis(10)).commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
  }

  private ScheduleCreateCommand parseCreate(String... args) {
    CommandLine.ParseResult parsed = cli().parseArgs(args);
    return (ScheduleCreateCommand) parsed.subcommand().subcommand().commandSpec().userObject();
  }

  private BuildRequest buildRequest(String... args) {
    BuildCommand build = (BuildCommand) cli().parseArgs(args).subcommand().commandSpec().userObject();
    return BuildRequestValidator.normalizeToStart(build.toRequest());
  }

  private Path spec(String yaml) throws IOException {
    return Files.writeString(directory.resolve("gpu.yaml"), yaml);
  }

  @Test
  void createTakesBuildsFlagsAndImagesAndMakesTheSameRequest() throws Exception {
    String[] buildFlags = {"-r", "eu-west-1", "-A", "amd64,arm64", "--name", "gpu-models", "-s", "200", "-e",
        "--tag", "team=ml", "--timeout", "4h", "-sg", "sg-0123456789abcdef0", "--parallelism", "8"};
    String images = "nginx:1.27,quay.io/redhat-ai-services/modelcar-catalog:qwen3-8b";

    ScheduleCreateCommand create = parseCreate(concat(new String[] {"schedule", "create", "gpu-nightly", "--cron",
        "0 3 * * *"}, buildFlags, new String[] {images}));

    assertThat(create.scheduleId).isEqualTo("gpu-nightly");
    assertThat(create.request()).isEqualTo(buildRequest(concat(new String[] {"build"}, buildFlags, new String[] {images})));
  }

  @Test
  void timingFlagsMapToTheTiming() {
    ScheduleCreateCommand create = parseCreate("schedule", "create", "gpu-nightly", "--cron", "0 3 * * *",
        "--cron", "0 15 * * 1-5", "--every", "24h", "--offset", "1h", "--time-zone", "Europe/Berlin",
        "--overlap", "buffer-all", "--catchup-window", "1h", "--jitter", "10m", "--paused", "--note", "new AMI",
        "-r", "us-west-2", "nginx");

    assertThat(create.timing()).isEqualTo(new ScheduleTiming(List.of("0 3 * * *", "0 15 * * 1-5"),
        Duration.ofHours(24), Duration.ofHours(1), "Europe/Berlin", Overlap.BUFFER_ALL, Duration.ofHours(1),
        Duration.ofMinutes(10), true, "new AMI"));
  }

  @Test
  void overlapDefaultsToSkip() {
    ScheduleCreateCommand create = parseCreate("schedule", "create", "s", "--every", "24h", "-r", "us-west-2", "nginx");

    assertThat(create.timing().overlap()).isEqualTo(Overlap.SKIP);
    assertThat(create.timing().paused()).isFalse();
  }

  @Test
  void createFromASpecFile() throws Exception {
    Path spec = spec("name: gpu-models\nregion: us-west-2\nimages: [nginx:1.27]\n");

    ScheduleCreateCommand create = parseCreate("schedule", "create", "s", "--every", "24h", "--spec", spec.toString());

    assertThat(create.request()).isEqualTo(buildRequest("build", "--name", "gpu-models", "-r", "us-west-2", "nginx:1.27"));
    assertThat(create.request().pullParallelism()).as("left to the workflow's plan").isNull();
  }

  @Test
  void specTogetherWithBuildFlagsIsAUsageErrorNamingThem() throws Exception {
    Path spec = spec("region: us-west-2\nimages: [nginx]\n");

    int exit = cli().execute("schedule", "create", "s", "--every", "24h", "--spec", spec.toString(), "-r", "us-east-1",
        "--public-ip", "false");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString().strip())
        .isEqualTo("error: --spec and --region, --public-ip cannot be used together (the spec file says the whole build)");
    assertThat(connections).hasValue(0);
  }

  @Test
  void specTogetherWithImagesIsAUsageError() throws Exception {
    Path spec = spec("region: us-west-2\nimages: [nginx]\n");

    assertThat(cli().execute("schedule", "create", "s", "--every", "24h", "--spec", spec.toString(), "redis"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--spec and IMAGES cannot be used together");
  }

  @Test
  void unknownSpecKeyIsAUsageErrorNamingIt() throws Exception {
    Path spec = spec("region: us-west-2\nimages: [nginx]\nsnapshot-size: 100\n");

    assertThat(cli().execute("schedule", "create", "s", "--every", "24h", "--spec", spec.toString())).isEqualTo(2);
    assertThat(err.toString()).startsWith("error: unknown key 'snapshot-size' in " + spec);
    assertThat(connections).hasValue(0);
  }

  @Test
  void invalidSpecValueIsAUsageErrorNamingTheKey() throws Exception {
    Path spec = spec("region: us-west-2\nimages: [nginx]\nvolumeIops: 100\n");

    assertThat(cli().execute("schedule", "create", "s", "--every", "24h", "--spec", spec.toString())).isEqualTo(2);
    assertThat(err.toString().strip())
        .isEqualTo("error: invalid volumeIops in " + spec + " (must be between 3000 and 80000 IOPS, got 100)");
  }

  @Test
  void invalidBuildFlagIsAUsageErrorNamingTheFlag() {
    assertThat(cli().execute("schedule", "create", "s", "--every", "24h", "-r", "us-west-2", "-s", "0", "nginx"))
        .isEqualTo(2);
    assertThat(err.toString().strip()).isEqualTo("error: invalid --snapshot-size (must be between 1 and 65536 GiB, got 0)");
    assertThat(connections).hasValue(0);
  }

  @Test
  void neitherImagesNorSpecIsAUsageError() {
    assertThat(cli().execute("schedule", "create", "s", "--every", "24h")).isEqualTo(2);
    assertThat(err.toString()).contains("a schedule needs IMAGES (with build's flags) or --spec FILE");
  }

  /** Runs a command line that must be refused before anything is created; returns the first line on stderr. */
  private String usageError(String... args) {
    err.getBuffer().setLength(0);
    assertThat(cli().execute(args)).as(String.join(" ", args)).isEqualTo(2);
    assertThat(connections).hasValue(0);
    return err.toString().lines().findFirst().orElse("");
  }

  @Test
  void timingProblemsAreUsageErrorsNamingTheFlag() {
    assertThat(usageError("schedule", "create", "s", "-r", "us-west-2", "nginx"))
        .isEqualTo("error: a schedule needs --cron or --every");
    assertThat(usageError("schedule", "create", "s", "--cron", "0 3 * * *", "--time-zone", "Mars/Olympus",
        "-r", "us-west-2", "nginx"))
        .isEqualTo("error: invalid --time-zone ('Mars/Olympus' is not a time zone ID such as Europe/Berlin or UTC)");
    assertThat(usageError("schedule", "create", "s", "--cron", "0 3 * * *", "--time-zone", "+02:00",
        "-r", "us-west-2", "nginx")).startsWith("error: invalid --time-zone ('+02:00'");
    assertThat(usageError("schedule", "create", "s", "--cron", "0 3 * * *", "--offset", "1h", "-r", "us-west-2",
        "nginx")).isEqualTo("error: --offset needs --every");
    assertThat(usageError("schedule", "create", "s", "--every", "1h", "--offset", "2h", "-r", "us-west-2", "nginx"))
        .isEqualTo("error: invalid --offset (must be at least 0 and less than --every (1h), got 2h)");
    assertThat(usageError("schedule", "create", "s", "--every", "1h", "--jitter", "0s", "-r", "us-west-2", "nginx"))
        .isEqualTo("error: invalid --jitter (must be positive)");
    assertThat(usageError("schedule", "create", "s", "--every", "1h", "--overlap", "sometimes", "-r", "us-west-2",
        "nginx")).isEqualTo("error: invalid value for option '--overlap' ('sometimes' is not one of [skip, buffer-one, "
            + "buffer-all, cancel-other, terminate-other, allow-all])");
  }

  @Test
  void overlapReadsEveryPolicyAsSpelledOnTheCommandLine() {
    Overlap.Converter converter = new Overlap.Converter();

    for (Overlap overlap : Overlap.values()) {
      assertThat(converter.convert(overlap.toString())).isEqualTo(overlap);
      assertThat(Overlap.of(overlap.policy())).isEqualTo(overlap.toString());
    }
  }

  @Test
  void scheduleHelpListsTheSubcommands() {
    assertThat(cli().execute("schedule", "--help")).isZero();

    assertThat(out.toString()).contains("create", "list", "describe", "pause", "unpause", "trigger", "delete");
  }

  @Test
  void createHelpListsTimingAndBuildFlags() {
    assertThat(cli().execute("schedule", "create", "--help")).isZero();

    assertThat(out.toString()).contains("SCHEDULE_ID", "IMAGES", "--spec", "--cron", "--every", "--offset",
        "--time-zone", "--overlap", "--catchup-window", "--jitter", "--paused", "--note", "-r, --region",
        "-A, --arch", "-sg, --security-group-id", "--volume-iops", "skip, buffer-one");
  }

  @Test
  void subcommandsNeedAScheduleId() {
    for (String subcommand : List.of("describe", "pause", "unpause", "trigger", "delete")) {
      assertThat(cli().execute("schedule", subcommand)).as(subcommand).isEqualTo(2);
    }
    assertThat(connections).hasValue(0);
  }

  private static String[] concat(String[]... parts) {
    return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
  }
}
