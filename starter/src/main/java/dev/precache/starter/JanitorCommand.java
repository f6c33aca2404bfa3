package dev.precache.starter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.precache.workflows.BuildRequestValidator;
import dev.precache.workflows.JanitorReport;
import dev.precache.workflows.JanitorReport.Sweep;
import dev.precache.workflows.JanitorRequest;
import dev.precache.workflows.JanitorWorkflow;
import dev.precache.workflows.Leftover;
import dev.precache.workflows.SnapshotBuildWorkflow;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleAlreadyRunningException;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.SchedulePolicy;
import io.temporal.client.schedules.ScheduleSpec;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code precache janitor}: removes the stacks, instances, volumes, parameters and failed builds' snapshots
 * precache tagged whose build no longer runs on this Temporal server; {@code --schedule} makes it a Temporal Schedule.
 */
@Command(name = "janitor", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Remove what builds that no longer run left in AWS (stacks, instances, volumes, parameters under "
        + "/precache/builds/, failed builds' snapshots), tagged by precache only; never a running build's.")
final class JanitorCommand implements Callable<Integer> {
  /** The schedule {@code --schedule} creates; its runs are {@code precache-janitor-<time>}. */
  static final String SCHEDULE_ID = "precache-janitor";
  private static final Duration TIMEOUT = Duration.ofHours(1);

  @ParentCommand
  PrecacheCli cli;
  @Spec
  CommandSpec spec;

  @Option(names = {"-r", "--region"}, paramLabel = "REGION",
      description = "Region to sweep, repeatable (default: $AWS_REGION, then $AWS_DEFAULT_REGION).")
  List<String> regions = new ArrayList<>();

  @Option(names = "--older-than", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "Leave builds whose oldest resource is younger than this, known to Temporal or not (default: 6h).")
  Duration olderThan = JanitorRequest.DEFAULT_OLDER_THAN;

  @Option(names = "--dry-run", description = "Say what would be removed and why the rest stays; remove nothing.")
  boolean dryRun;

  @Option(names = "--schedule", description = "Instead of sweeping now, create the Temporal Schedule "
      + SCHEDULE_ID + " that sweeps every --every.")
  boolean schedule;

  @Option(names = "--every", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "With --schedule: how often (default: 6h).")
  Duration every;

  @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text",
      description = "text, or json: one document (default: ${DEFAULT-VALUE}).")
  OutputFormat output;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    JanitorRequest request;
    try {
      request = request();
    } catch (CliError e) {
      return e.report(err);
    }
    try (TemporalConnection connection = cli.connect()) {
      if (schedule) {
        Duration interval = every == null ? JanitorRequest.DEFAULT_OLDER_THAN : every;
        connection.schedules().createSchedule(SCHEDULE_ID, schedule(request, interval),
            ScheduleOptions.newBuilder().build());
        out.println("Created schedule " + SCHEDULE_ID + ": janitor of " + String.join(", ", request.regions())
            + " every " + human(interval) + ", builds older than " + human(request.olderThan()));
        out.flush();
        return CommandLine.ExitCode.OK;
      }
      JanitorReport report = connection.client().newWorkflowStub(JanitorWorkflow.class, WorkflowOptions.newBuilder()
              .setTaskQueue(SnapshotBuildWorkflow.TASK_QUEUE)
              .setWorkflowId(SCHEDULE_ID + "-" + UUID.randomUUID())
              .setWorkflowExecutionTimeout(TIMEOUT)
              .setStaticSummary("precache janitor of " + String.join(", ", request.regions())
                  + (dryRun ? " --dry-run" : ""))
              .build())
          .sweep(request);
      if (output == OutputFormat.json) {
        out.println(json(report));
      } else {
        text(report, out);
      }
      out.flush();
      return CommandLine.ExitCode.OK;
    } catch (ScheduleAlreadyRunningException e) {
      return CliError.failed("a schedule named " + SCHEDULE_ID + " already exists", null,
          "delete it first (precache schedule delete " + SCHEDULE_ID + ")").report(err);
    } catch (WorkflowFailedException e) {
      return CliError.failed("janitor failed", BuildWatcher.causeOf(e), null).report(err);
    }
  }

  private JanitorRequest request() {
    List<String> chosen = new ArrayList<>(regions);
    if (chosen.isEmpty() && BuildOptions.regionFromEnvironment() != null) {
      chosen.add(BuildOptions.regionFromEnvironment());
    }
    if (chosen.isEmpty()) {
      throw CliError.usage("missing --region", "no -r/--region, and neither AWS_REGION nor AWS_DEFAULT_REGION is set",
          "pass e.g. -r us-west-2");
    }
    for (String region : chosen) {
      if (!BuildRequestValidator.isRegion(region)) {
        throw CliError.usage("invalid --region", "must be an AWS region such as us-west-2, got '" + region + "'", null);
      }
    }
    if (olderThan.isNegative()) {
      throw CliError.usage("invalid --older-than", "must not be negative, got " + olderThan, null);
    }
    if (every != null && !schedule) {
      throw CliError.usage("invalid --every", "only with --schedule", null);
    }
    if (every != null && every.compareTo(Duration.ofMinutes(1)) < 0) {
      throw CliError.usage("invalid --every", "must be at least 1m, got " + every, null);
    }
    return new JanitorRequest(List.copyOf(chosen), olderThan, dryRun);
  }

  /** Sweeps at an interval; a sweep still running when the next is due makes that one skip. */
  static Schedule schedule(JanitorRequest request, Duration every) {
    return Schedule.newBuilder()
        .setAction(ScheduleActionStartWorkflow.newBuilder()
            .setWorkflowType(JanitorWorkflow.class)
            .setArguments(request)
            .setOptions(WorkflowOptions.newBuilder()
                .setWorkflowId(SCHEDULE_ID)
                .setTaskQueue(SnapshotBuildWorkflow.TASK_QUEUE)
                .setWorkflowExecutionTimeout(TIMEOUT)
                .build())
            .build())
        .setSpec(ScheduleSpec.newBuilder().setIntervals(List.of(new ScheduleIntervalSpec(every))).build())
        .setPolicy(SchedulePolicy.newBuilder().setOverlap(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP).build())
        .build();
  }

  static void text(JanitorReport report, PrintWriter out) {
    TextTable table = new TextTable(List.of("KIND", "RESOURCE", "REGION", "BUILD", "VERDICT", "WHY"));
    for (Sweep sweep : report.resources()) {
      Leftover leftover = sweep.leftover();
      table.add(List.of(leftover.kind().name().toLowerCase(java.util.Locale.ROOT), leftover.id(), leftover.region(),
          String.valueOf(leftover.buildId()), switch (sweep.verdict()) {
            case KEEP -> "keep";
            case REMOVE -> "would remove";
            case REMOVED -> "removed";
          }, sweep.reason()));
    }
    table.print(out);
    int going = report.with(report.dryRun() ? JanitorReport.Verdict.REMOVE : JanitorReport.Verdict.REMOVED).size();
    out.println((report.dryRun() ? "Would remove " : "Removed ") + going + " of " + report.resources().size()
        + " precache resource(s)" + (report.dryRun() ? "; nothing was removed (--dry-run)" : ""));
  }

  static String json(JanitorReport report) {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = mapper.createObjectNode().put("dryRun", report.dryRun());
    ArrayNode resources = root.putArray("resources");
    for (Sweep sweep : report.resources()) {
      Leftover l = sweep.leftover();
      resources.addObject().put("kind", l.kind().name()).put("id", l.id()).put("region", l.region())
          .put("buildId", l.buildId()).put("workflowId", l.workflowId())
          .put("createdAt", String.valueOf(l.createdAt())).put("verdict", sweep.verdict().name())
          .put("reason", sweep.reason());
    }
    try {
      return mapper.writeValueAsString(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write the janitor's report as JSON", e);
    }
  }

  private static String human(Duration duration) {
    return duration.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
  }
}
