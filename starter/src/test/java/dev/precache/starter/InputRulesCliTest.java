package dev.precache.starter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The inputs AWS or Temporal would refuse, or that would hang or exhaust the CLI (issue 10, items 2 and 4), are
 * refused by the real command line with exit 2 and a message naming the flag or key, before any connection to
 * Temporal: nothing is started.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InputRulesCliTest {
  private final AtomicInteger connections = new AtomicInteger();
  private final StringWriter err = new StringWriter();

  @TempDir
  Path directory;

  private final CommandLine cli = new PrecacheCli(() -> {
    connections.incrementAndGet();
    throw new AssertionError("nothing may be started");
  }, Duration.ofMillis(10)).commandLine()
      .setOut(new PrintWriter(new StringWriter(), true)).setErr(new PrintWriter(err, true));

  /** Runs a command line that must be refused before anything starts; returns what it printed on stderr. */
  private String refused(String... args) {
    err.getBuffer().setLength(0);
    assertThat(cli.execute(args)).as(String.join(" ", args)).isEqualTo(2);
    assertThat(connections).as("connections to Temporal").hasValue(0);
    return err.toString().strip();
  }

  private String refusedBuild(String... flags) {
    List<String> args = new ArrayList<>(List.of("build", "-r", "us-west-2"));
    args.addAll(List.of(flags));
    return refused(args.toArray(String[]::new));
  }

  @Test
  void tagsAwsWouldRefuse() {
    assertThat(refusedBuild("--tag", "team=ml\u0007", "nginx"))
        .startsWith("error: invalid --tag (").contains("control character").doesNotContain("\u0007");
    assertThat(refusedBuild("--tag", " aws:owner=x", "nginx")).startsWith("error: invalid --tag (").contains("'aws:'");
    assertThat(refusedBuild("--tag", "AWS:owner=x", "nginx")).startsWith("error: invalid --tag (").contains("'aws:'");
    assertThat(refusedBuild("--tag", "team=a", "--tag", "team=b", "nginx"))
        .isEqualTo("error: invalid --tag (key 'team' is given twice)");
    assertThat(refusedBuild("--tag", "team=a", "--tag", "team =b", "nginx"))
        .startsWith("error: invalid --tag (keys 'team' and 'team ' are the same key to AWS");
    assertThat(refusedBuild("--tag", "Name=mine", "nginx")).startsWith("error: invalid --tag (key 'Name' is set by precache");
    assertThat(refusedBuild("--tag", "precache:images:1=x", "nginx")).contains("'precache:'");
    assertThat(refusedBuild("--tag", "team", "nginx")).isEqualTo("error: invalid --tag (expected KEY=VALUE, got 'team')");
    List<String> many = new ArrayList<>();
    for (int i = 0; i <= 37; i++) {
      many.addAll(List.of("--tag", "k" + i + "=v"));
    }
    many.add("nginx");
    assertThat(refusedBuild(many.toArray(String[]::new))).isEqualTo("error: invalid --tag (at most 37 tags, got 38)");
  }

  @Test
  void otherAwsRules() {
    assertThat(refusedBuild("-op", "/a".repeat(16), "nginx"))
        .startsWith("error: invalid --output-parameter-name (SSM allows at most 15 levels");
    assertThat(refusedBuild("-op", "precache/snapshot", "nginx")).startsWith("error: invalid --output-parameter-name (");
    assertThat(refusedBuild("registry.example.com:99999/team/app:1"))
        .startsWith("error: invalid image list (").contains("invalid registry port '99999'");
    assertThat(refusedBuild("--name", "---", "nginx")).startsWith("error: invalid --name (");
  }

  @Test
  void aTimeoutThatWouldOverflowIsRefusedNotThrown() {
    assertThat(refusedBuild("--timeout", "9223372036854775807d", "nginx"))
        .contains("--timeout").contains("longer than 3660d");
    assertThat(refusedBuild("--timeout", "99999999999999999999999s", "nginx")).contains("longer than 3660d");
  }

  @Test
  void scheduleIdsAndNotes() {
    assertThat(refused("schedule", "create", "", "--every", "24h", "-r", "us-west-2", "nginx"))
        .startsWith("error: invalid SCHEDULE_ID (");
    assertThat(refused("schedule", "create", "gpu nightly", "--every", "24h", "-r", "us-west-2", "nginx"))
        .startsWith("error: invalid SCHEDULE_ID (");
    assertThat(refused("schedule", "create", "s".repeat(201), "--every", "24h", "-r", "us-west-2", "nginx"))
        .startsWith("error: invalid SCHEDULE_ID (");
    String tenMegabytes = "n".repeat(10 * 1024 * 1024);
    assertThat(refused("schedule", "create", "s", "--every", "24h", "--note", tenMegabytes, "-r", "us-west-2",
        "nginx")).isEqualTo("error: invalid --note (at most 1000 characters, got 10485760)");
    assertThat(refused("schedule", "pause", "s", "--note", tenMegabytes)).startsWith("error: invalid --note (");
    assertThat(refused("schedule", "unpause", "s", "--note", tenMegabytes)).startsWith("error: invalid --note (");
  }

  @Test
  void aCronThatNeverFires() {
    assertThat(refused("schedule", "create", "s", "--cron", "0 3 31 2 *", "-r", "us-west-2", "nginx"))
        .isEqualTo("error: invalid --cron ('0 3 31 2 *' never fires: none of its months has day 31)");
    assertThat(refused("schedule", "create", "s", "--cron", "0 3 30,31 feb *", "-r", "us-west-2", "nginx"))
        .startsWith("error: invalid --cron ('0 3 30,31 feb *' never fires");
    assertThat(refused("schedule", "create", "s", "--cron", "0 3 31 4,6,9,11 *", "-r", "us-west-2", "nginx"))
        .startsWith("error: invalid --cron (");
  }

  @Test
  void cronsThatFireAreLeftToTheServer() {
    for (String cron : List.of("0 3 29 2 *", "0 3 31 1-12 *", "0 3 31 2 1", "*/5 * * * *", "0 3 L * *",
        "@daily", "0 3 31 */2 *")) {
      CronCalendar.requireFires(cron);
    }
  }

  @Test
  void specFilesThatAreNoRegularFileOrTooLarge() throws Exception {
    assertThat(refused("schedule", "create", "s", "--every", "24h", "--spec", "/dev/zero"))
        .isEqualTo("error: cannot read /dev/zero (not a regular file)");
    Path huge = directory.resolve("huge.yaml");
    try (RandomAccessFile file = new RandomAccessFile(huge.toFile(), "rw")) {
      file.setLength(200L * 1024 * 1024);
    }
    assertThat(refused("schedule", "create", "s", "--every", "24h", "--spec", huge.toString()))
        .isEqualTo("error: " + huge + " is larger than 1024 KiB");
    Path overflow = Files.writeString(directory.resolve("overflow.yaml"),
        "region: us-west-2\nimages: [nginx]\ntimeout: 9223372036854775807d\n");
    assertThat(refused("schedule", "create", "s", "--every", "24h", "--spec", overflow.toString()))
        .startsWith("error: invalid timeout in " + overflow + " ('9223372036854775807d' is longer than 3660d");
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void aFifoIsRefusedWithoutWaitingForAWriter() throws Exception {
    Path fifo = directory.resolve("spec.fifo");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    assertThat(mkfifo.waitFor()).isZero();

    assertThat(refused("schedule", "create", "s", "--every", "24h", "--spec", fifo.toString()))
        .isEqualTo("error: cannot read " + fifo + " (not a regular file)");
  }
}
