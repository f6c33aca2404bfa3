package dev.precache.starter;

import dev.precache.workflows.SnapshotBuildWorkflow;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.client.schedules.ScheduleAlreadyRunningException;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.client.schedules.ScheduleListActionStartWorkflow;
import io.temporal.client.schedules.ScheduleListDescription;
import java.io.PrintWriter;
import java.util.List;
import java.util.function.ToIntFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code precache schedule …}: Temporal Schedules that rebuild a snapshot on a cron or an interval. Exit codes
 * as everywhere: 0 done, 1 the server refused or failed (e.g. no such schedule), 2 bad usage or input.
 */
@Command(name = "schedule", mixinStandardHelpOptions = true,
    description = "Rebuild snapshots on a schedule (Temporal Schedules): create, list, describe, pause, unpause, "
        + "trigger, delete.",
    subcommands = ScheduleCreateCommand.class)
final class ScheduleCommand implements Runnable {
  @ParentCommand
  private PrecacheCli cli;

  @Spec
  private CommandSpec spec;

  /** {@code precache schedule} alone: what it can do. */
  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List build schedules: paused or not, next run, what each builds.")
  int list() {
    return run(null, client -> {
      TextTable table = new TextTable(List.of("SCHEDULE ID", "STATE", "NEXT RUN (UTC)", "BUILDS"));
      client.listSchedules().filter(ScheduleCommand::startsBuilds).forEach(schedule -> table.add(List.of(
          schedule.getScheduleId(),
          state(schedule),
          schedule.getSchedule().getState().isPaused() ? "-"
              : schedule.getInfo().getNextActionTimes().stream().findFirst().map(ScheduleDescriptionPrinter::time).orElse("-"),
          String.valueOf(schedule.getMemo(BuildSchedule.SUMMARY, String.class)))));
      table.print(out());
      return CommandLine.ExitCode.OK;
    });
  }

  @Command(name = "describe", mixinStandardHelpOptions = true,
      description = "Show a schedule: when it runs, its policies, recent and next runs, the build it makes.")
  int describe(@Parameters(paramLabel = "SCHEDULE_ID") String scheduleId) {
    return run(scheduleId, client -> {
      ScheduleDescription description = client.getHandle(scheduleId).describe();
      new ScheduleDescriptionPrinter(out()).print(description);
      return CommandLine.ExitCode.OK;
    });
  }

  @Command(name = "pause", mixinStandardHelpOptions = true, description = "Pause a schedule: no runs until unpaused.")
  int pause(@Parameters(paramLabel = "SCHEDULE_ID") String scheduleId,
      @Option(names = "--note", description = "Why it is paused.") String note) {
    int invalid = refuseNote(note);
    if (invalid != CommandLine.ExitCode.OK) {
      return invalid;
    }
    return run(scheduleId, client -> {
      client.getHandle(scheduleId).pause(note != null ? note : "paused with precache schedule pause");
      out().println("Paused schedule " + scheduleId);
      return CommandLine.ExitCode.OK;
    });
  }

  @Command(name = "unpause", mixinStandardHelpOptions = true, description = "Resume a paused schedule.")
  int unpause(@Parameters(paramLabel = "SCHEDULE_ID") String scheduleId,
      @Option(names = "--note", description = "A note on why it resumes.") String note) {
    int invalid = refuseNote(note);
    if (invalid != CommandLine.ExitCode.OK) {
      return invalid;
    }
    return run(scheduleId, client -> {
      client.getHandle(scheduleId).unpause(note != null ? note : "unpaused with precache schedule unpause");
      out().println("Unpaused schedule " + scheduleId);
      return CommandLine.ExitCode.OK;
    });
  }

  @Command(name = "trigger", mixinStandardHelpOptions = true, description = "Run a schedule's build now.")
  int trigger(@Parameters(paramLabel = "SCHEDULE_ID") String scheduleId,
      @Option(names = "--overlap", converter = Overlap.Converter.class, paramLabel = "POLICY",
          description = "If its build is running: ${COMPLETION-CANDIDATES} (default: the schedule's policy).")
      Overlap overlap) {
    return run(scheduleId, client -> {
      ScheduleHandle handle = client.getHandle(scheduleId);
      handle.trigger(overlap == null ? ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED : overlap.policy());
      out().println("Triggered schedule " + scheduleId);
      return CommandLine.ExitCode.OK;
    });
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = "Delete a schedule; builds it started keep running.")
  int delete(@Parameters(paramLabel = "SCHEDULE_ID") String scheduleId) {
    return run(scheduleId, client -> {
      client.getHandle(scheduleId).delete();
      out().println("Deleted schedule " + scheduleId);
      return CommandLine.ExitCode.OK;
    });
  }

  /**
   * Runs {@code action} with a schedule client and turns the server's refusals into one line and an exit code.
   *
   * @param scheduleId the schedule acted on, for messages; null when none
   */
  int run(String scheduleId, ToIntFunction<ScheduleClient> action) {
    PrintWriter err = spec.commandLine().getErr();
    TemporalConnection connection = cli.connect();
    try (connection) {
      return action.applyAsInt(connection.schedules());
    } catch (ScheduleAlreadyRunningException e) {
      return CliError.failed("a schedule named " + scheduleId + " already exists", null,
          "delete it first (precache schedule delete " + scheduleId + ") or pick another ID").report(err);
    } catch (RuntimeException e) {
      StatusRuntimeException status = TemporalErrors.statusOf(e);
      if (status == null) {
        throw e;
      }
      return switch (status.getStatus().getCode()) {
        case NOT_FOUND -> CliError.failed("no schedule named " + scheduleId, null,
            "`precache schedule list` shows the schedules").report(err);
        case UNIMPLEMENTED -> fail(err, "this Temporal server does not support schedules (the embedded dev server "
            + "of `precache worker --dev` has none); use a Temporal server or Temporal Cloud");
        case INVALID_ARGUMENT -> CliError.usage("invalid schedule", status.getStatus().getDescription(), null).report(err);
        default -> throw TemporalErrors.translate(e, connection.server(), null);
      };
    }
  }

  /** {@link ScheduleRules#requireNote}, as an exit code: OK, or USAGE with the message printed. */
  private int refuseNote(String note) {
    try {
      ScheduleRules.requireNote(note);
      return CommandLine.ExitCode.OK;
    } catch (IllegalArgumentException e) {
      return CliError.usage(e.getMessage(), null).report(spec.commandLine().getErr());
    }
  }

  private static int fail(PrintWriter err, String message) {
    return CliError.failed(message, null, null).report(err);
  }

  /** {@code active}, or {@code paused (note)}: a paused schedule has no next run, but a reason. */
  private static String state(ScheduleListDescription schedule) {
    var state = schedule.getSchedule().getState();
    if (!state.isPaused()) {
      return "active";
    }
    return state.getNote() == null || state.getNote().isBlank() ? "paused" : "paused (" + state.getNote() + ")";
  }

  /** Schedules of other workflows may share the namespace. */
  private static boolean startsBuilds(ScheduleListDescription schedule) {
    return schedule.getSchedule().getAction() instanceof ScheduleListActionStartWorkflow start
        && start.getWorkflow().equals(SnapshotBuildWorkflow.class.getSimpleName());
  }

  private PrintWriter out() {
    return spec.commandLine().getOut();
  }
}
