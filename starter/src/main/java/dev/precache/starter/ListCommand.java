package dev.precache.starter;

import dev.precache.workflows.BuildSearchAttributes.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code precache list}: recent builds matching the filters, newest first. */
@Command(name = "list", mixinStandardHelpOptions = true, sortOptions = false,
    description = "List recent builds, newest first, filtered by their search attributes.")
final class ListCommand implements Callable<Integer> {
  @ParentCommand
  private PrecacheCli cli;

  @Spec
  private CommandSpec spec;

  @Option(names = "--status", paramLabel = "STATUS",
      description = "Only builds in this state: ${COMPLETION-CANDIDATES}.")
  Status status;

  @Option(names = "--region", description = "Only builds in this AWS region.")
  String region;

  @Option(names = "--image", description = "Only builds that pull this image (nginx matches docker.io/library/nginx:latest).")
  String image;

  @Option(names = "--name", description = "Only builds with this build name.")
  String name;

  @Option(names = "--schedule", paramLabel = "SCHEDULE_ID", description = "Only builds started by this schedule.")
  String schedule;

  @Option(names = "--limit", defaultValue = "20", description = "At most this many builds (default: ${DEFAULT-VALUE}).")
  int limit;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    if (limit < 1) {
      err.println("invalid --limit: must be at least 1, got " + limit);
      return CommandLine.ExitCode.USAGE;
    }
    BuildListing listing;
    try {
      listing = listing();
    } catch (IllegalArgumentException e) {
      err.println("invalid --image: " + e.getMessage());
      return CommandLine.ExitCode.USAGE;
    }
    try (TemporalConnection connection = cli.connect()) {
      TextTable table = new TextTable(BuildListing.HEADER);
      listing.newest(connection.client()::listExecutions, limit).forEach(build -> table.add(BuildListing.row(build)));
      table.print(spec.commandLine().getOut());
      return CommandLine.ExitCode.OK;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != io.grpc.Status.Code.UNIMPLEMENTED) {
        throw e;
      }
      err.println("error: this Temporal server does not support visibility queries, so "
          + "builds cannot be listed (the embedded dev server of `precache worker --dev` has none); "
          + "use `precache status ID`, or a Temporal server with visibility and its Web UI");
      return CommandLine.ExitCode.SOFTWARE;
    }
  }

  /** The filters given, as a query. */
  BuildListing listing() {
    BuildListing listing = new BuildListing();
    if (status != null) {
      listing.status(status);
    }
    if (region != null) {
      listing.region(region);
    }
    if (image != null) {
      listing.image(image);
    }
    if (name != null) {
      listing.name(name);
    }
    if (schedule != null) {
      listing.schedule(schedule);
    }
    return listing;
  }
}
