package dev.precache.starter;

import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildRequestValidator;
import dev.precache.workflows.RetentionRequest;
import dev.precache.workflows.InvalidRequestException;
import io.temporal.client.schedules.Schedule;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code precache schedule create ID}: a Temporal Schedule that runs the same build on a cron or an interval.
 * The build is given by {@code build}'s flags and image list, or by a YAML spec file, never both.
 */
@Command(name = "create", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Create a schedule that runs a build on a cron or an interval.",
        "The build is given by build's flags and IMAGES, or by --spec FILE (YAML, keys as build's long flags)."})
final class ScheduleCreateCommand implements Callable<Integer> {
  @ParentCommand
  private ScheduleCommand schedules;

  @Spec
  private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SCHEDULE_ID", description = "ID of the new schedule, e.g. gpu-nightly.")
  String scheduleId;

  @Parameters(index = "1..*", arity = "0..*", split = ",", paramLabel = "IMAGES",
      description = "Images to pre-pull, comma-separated (not with --spec).")
  List<String> images = new ArrayList<>();

  @Option(names = "--spec", paramLabel = "FILE", description = "YAML build spec instead of build's flags and IMAGES.")
  Path specFile;

  @Option(names = "--cron", paramLabel = "CRON",
      description = "When to build, e.g. \"0 3 * * *\" (repeatable; with --every, the union).")
  List<String> crons = new ArrayList<>();

  @Option(names = "--every", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "Build at this interval, e.g. 24h.")
  Duration every;

  @Option(names = "--offset", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "Shift --every's runs from the epoch, e.g. --every 24h --offset 3h for 03:00 UTC.")
  Duration offset;

  @Option(names = "--time-zone", paramLabel = "ZONE", description = "Time zone of --cron, e.g. Europe/Berlin (default: UTC).")
  String timeZone;

  @Option(names = "--overlap", converter = Overlap.Converter.class, defaultValue = "skip", paramLabel = "POLICY",
      description = "When a build is due while the last still runs: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Overlap overlap;

  @Option(names = "--catchup-window", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "How late a run missed during an outage may still start (default: the server's, 1 year).")
  Duration catchupWindow;

  @Option(names = "--jitter", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "Delay each run by a random time up to this, e.g. 10m.")
  Duration jitter;

  @Option(names = "--paused", description = "Create the schedule paused.")
  boolean paused;

  @Option(names = "--note", description = "A note on the schedule's state, e.g. why it is paused.")
  String note;

  @Mixin
  BuildOptions build;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    BuildRequest request;
    ScheduleTiming timing;
    try {
      ScheduleRules.requireScheduleId(scheduleId);
      request = withDefaultRetention(request());
      timing = timing();
    } catch (CliError e) {
      return e.report(err);
    } catch (IllegalArgumentException | BuildSpecFile.InvalidSpecException e) {
      return CliError.usage(e.getMessage(), null).report(err);
    }
    Schedule schedule = BuildSchedule.of(scheduleId, request, timing);
    return schedules.run(scheduleId, client -> {
      client.createSchedule(scheduleId, schedule, BuildSchedule.options(request));
      spec.commandLine().getOut().println("Created schedule " + scheduleId + ": " + BuildWorkflowOptions.summary(request));
      return CommandLine.ExitCode.OK;
    });
  }

  /** A schedule builds night after night: without {@code --keep} it would keep every snapshot forever. */
  static BuildRequest withDefaultRetention(BuildRequest request) {
    return request.keepSnapshots() != null ? request : request.withKeepSnapshots(RetentionRequest.DEFAULT_KEEP);
  }

  /**
   * The build, validated, from the spec file or from the flags.
   *
   * @throws CliError naming the flag at fault
   * @throws IllegalArgumentException when both a spec and build flags are given, or neither
   */
  BuildRequest request() throws BuildSpecFile.InvalidSpecException {
    if (specFile != null) {
      List<String> flags = buildFlagsGiven();
      if (!flags.isEmpty() || !images.isEmpty()) {
        throw new IllegalArgumentException("--spec and " + (flags.isEmpty() ? "IMAGES" : String.join(", ", flags))
            + " cannot be used together: the spec file says the whole build");
      }
      return BuildSpecFile.load(specFile);
    }
    if (images.isEmpty()) {
      throw new IllegalArgumentException("a schedule needs IMAGES (with build's flags) or --spec FILE");
    }
    BuildRequest flags = null;
    try {
      flags = build.toRequest(images);
      return BuildRequestValidator.normalizeToStart(flags);
    } catch (InvalidRequestException e) {
      throw BuildOptions.invalid(e, flags);
    }
  }

  ScheduleTiming timing() {
    return new ScheduleTiming(crons, every, offset, timeZone, overlap, catchupWindow, jitter, paused, note);
  }

  /** The build flags on this command line, as typed. */
  private List<String> buildFlagsGiven() {
    CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
    return spec.mixins().get("build").options().stream()
        .filter(option -> parsed.hasMatchedOption(option.longestName()))
        .map(CommandLine.Model.OptionSpec::longestName)
        .toList();
  }
}
