package dev.precache.starter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.precache.workflows.BuildRequestValidator;
import dev.precache.workflows.RetentionReport;
import dev.precache.workflows.RetentionReport.Entry;
import dev.precache.workflows.RetentionRequest;
import dev.precache.workflows.SnapshotBuildWorkflow;
import dev.precache.workflows.SnapshotRetentionWorkflow;
import dev.precache.workflows.StoredSnapshot;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
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
 * {@code precache snapshots list|prune}: a region's precache snapshots with what they hold and what uses them, and
 * retention by hand. Run as a {@link SnapshotRetentionWorkflow} on the worker: the CLI has no AWS credentials.
 */
@Command(name = "snapshots", mixinStandardHelpOptions = true,
    description = "List a region's precache snapshots, or delete the old ones nothing uses (retention).",
    subcommands = {SnapshotsCommand.ListSnapshots.class, SnapshotsCommand.Prune.class})
final class SnapshotsCommand {
  /** Listing is a few pages of EC2 and SSM; a request nobody picks up (no worker) gives up after this. */
  private static final Duration TIMEOUT = Duration.ofMinutes(10);

  @ParentCommand
  PrecacheCli cli;

  /** What both subcommands take. */
  static class Scope {
    @Option(names = {"-r", "--region"},
        description = "AWS region (default: $AWS_REGION, then $AWS_DEFAULT_REGION).")
    String region;

    @Option(names = "--name", description = "Only snapshots of this build name (default: every name).")
    String name;

    @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text",
        description = "text, or json: one document (default: ${DEFAULT-VALUE}).")
    OutputFormat output;

    String region() {
      String chosen = region != null ? region : BuildOptions.regionFromEnvironment();
      if (chosen == null || chosen.isBlank()) {
        throw CliError.usage("missing --region", "no -r/--region, and neither AWS_REGION nor AWS_DEFAULT_REGION is "
            + "set", "pass e.g. -r us-west-2, or export AWS_REGION=us-west-2");
      }
      if (!BuildRequestValidator.isRegion(chosen)) {
        throw CliError.usage("invalid --region", "must be an AWS region such as us-west-2, got '" + chosen + "'", null);
      }
      return chosen;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Each precache snapshot of the region: name, state, size, content, parent, what uses it.")
  static final class ListSnapshots implements Callable<Integer> {
    @ParentCommand
    SnapshotsCommand parent;
    @Spec
    CommandSpec spec;
    @CommandLine.Mixin
    Scope scope;

    @Override
    public Integer call() {
      return parent.run(spec, scope, null, true);
    }
  }

  @Command(name = "prune", mixinStandardHelpOptions = true,
      description = "Delete the snapshots older than the newest N completed of each build name that nothing uses "
          + "(an SSM parameter naming it, an applied nodeclass, Fast Snapshot Restore, a volume being created).")
  static final class Prune implements Callable<Integer> {
    @ParentCommand
    SnapshotsCommand parent;
    @Spec
    CommandSpec spec;
    @CommandLine.Mixin
    Scope scope;

    @Option(names = "--keep", paramLabel = "N", defaultValue = "" + RetentionRequest.DEFAULT_KEEP,
        description = "Completed snapshots to keep per build name (default: ${DEFAULT-VALUE}).")
    int keep;

    @Option(names = "--dry-run", description = "Say what would be deleted and why each other one stays; delete nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
      String problem = RetentionRequest.keepProblem(keep);
      if (problem != null) {
        return CliError.usage(problem, null).report(spec.commandLine().getErr());
      }
      return parent.run(spec, scope, keep, dryRun);
    }
  }

  private Integer run(CommandSpec spec, Scope scope, Integer keep, boolean dryRun) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    RetentionReport report;
    try (TemporalConnection connection = cli.connect()) {
      RetentionRequest request = new RetentionRequest(scope.region(), scope.name, keep, dryRun);
      report = connection.client().newWorkflowStub(SnapshotRetentionWorkflow.class, WorkflowOptions.newBuilder()
              .setTaskQueue(SnapshotBuildWorkflow.TASK_QUEUE)
              .setWorkflowId("precache-snapshots-" + request.region() + "-" + UUID.randomUUID())
              .setWorkflowExecutionTimeout(TIMEOUT)
              .setStaticSummary("precache snapshots " + (keep == null ? "list" : "prune --keep " + keep
                  + (dryRun ? " --dry-run" : "")) + " in " + request.region()
                  + (scope.name == null ? "" : " --name " + scope.name))
              .build())
          .apply(request);
    } catch (CliError e) {
      return e.report(err);
    } catch (WorkflowFailedException e) {
      return CliError.failed("snapshots " + (keep == null ? "list" : "prune") + " failed", BuildWatcher.causeOf(e),
          null).report(err);
    }
    if (scope.output == OutputFormat.json) {
      out.println(json(report));
    } else {
      text(report, out);
    }
    out.flush();
    return CommandLine.ExitCode.OK;
  }

  static void text(RetentionReport report, PrintWriter out) {
    boolean decided = report.keep() != null;
    List<String> header = new ArrayList<>(List.of("SNAPSHOT", "NAME", "STATE", "STARTED", "SIZE", "CONTENT", "PARENT"));
    header.addAll(decided ? List.of("VERDICT", "WHY") : List.of("USED BY"));
    TextTable table = new TextTable(header);
    for (Entry entry : report.snapshots()) {
      StoredSnapshot s = entry.snapshot();
      List<String> row = new ArrayList<>(List.of(s.snapshotId(), s.name(), s.state(), String.valueOf(s.startTime()),
          s.volumeSizeGiB() + " GiB", s.content() == null ? "-" : abbreviated(s.content()),
          s.parent() == null ? "-" : s.parent()));
      row.addAll(decided ? List.of(verdict(entry, report.dryRun()), entry.reason())
          : List.of(s.usedBy().isEmpty() ? "-" : String.join("; ", s.usedBy())));
      table.add(row);
    }
    table.print(out);
    if (decided) {
      int going = report.with(report.dryRun() ? RetentionReport.Verdict.EXPIRE : RetentionReport.Verdict.DELETED).size();
      out.println((report.dryRun() ? "Would delete " : "Deleted ") + going + " of " + report.snapshots().size()
          + " snapshot(s) in " + report.region() + " (--keep " + report.keep() + ")"
          + (report.dryRun() ? "; nothing was deleted (--dry-run)" : ""));
    } else {
      out.println(report.snapshots().size() + " snapshot(s) in " + report.region());
    }
  }

  private static String verdict(Entry entry, boolean dryRun) {
    return switch (entry.verdict()) {
      case KEEP -> "keep";
      case EXPIRE -> dryRun ? "would delete" : "expire";
      case DELETED -> "deleted";
      case LISTED -> "-";
    };
  }

  /** {@code sha256:0123456789ab}: enough to tell contents apart in a table; JSON has them whole. */
  private static String abbreviated(String hash) {
    return hash.length() > 19 ? hash.substring(0, 19) : hash;
  }

  static String json(RetentionReport report) {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = mapper.createObjectNode();
    root.put("region", report.region()).put("keep", report.keep()).put("dryRun", report.dryRun());
    ArrayNode snapshots = root.putArray("snapshots");
    for (Entry entry : report.snapshots()) {
      StoredSnapshot s = entry.snapshot();
      ObjectNode node = snapshots.addObject();
      node.put("snapshotId", s.snapshotId()).put("name", s.name()).put("region", s.region()).put("state", s.state())
          .put("startTime", String.valueOf(s.startTime())).put("volumeSizeGiB", s.volumeSizeGiB())
          .put("content", s.content()).put("parent", s.parent()).put("sourceSnapshotId", s.sourceSnapshotId())
          .put("sourceRegion", s.sourceRegion());
      s.usedBy().forEach(node.putArray("usedBy")::add);
      node.put("verdict", entry.verdict().name()).put("reason", entry.reason());
      node.set("tags", mapper.valueToTree(s.tags()));
    }
    root.put("warning", report.warning());
    try {
      return mapper.writeValueAsString(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write the snapshots as JSON", e);
    }
  }
}
