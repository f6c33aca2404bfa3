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

  @Option(names = "--status", paramLabel = "STATUS", converter = BuildState.Filter.class,
      description = "Only builds in this state: RUNNING, SUCCEEDED, FAILED, CANCELLED, TIMED_OUT (any case; "
          + "COMPLETED and CANCELED too).")
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

  @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text",
      description = "text, or json: an array of builds (default: ${DEFAULT-VALUE}).")
  OutputFormat output;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    if (limit < 1) {
      return CliError.usage("invalid --limit", "must be at least 1, got " + limit, null).report(err);
    }
    BuildListing listing;
    try {
      listing = listing();
    } catch (IllegalArgumentException e) {
      return CliError.usage("invalid --image", e.getMessage(), null).report(err);
    }
    TemporalConnection connection = cli.connect();
    try (connection) {
      var builds = listing.newest(connection.client()::listExecutions, limit);
      if (output == OutputFormat.json) {
        BuildReport.print(spec.commandLine().getOut(), builds.stream().map(BuildListing::entry).toList());
      } else {
        TextTable table = new TextTable(BuildListing.HEADER);
        builds.forEach(build -> table.add(BuildListing.row(build)));
        table.print(spec.commandLine().getOut());
      }
      return CommandLine.ExitCode.OK;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != io.grpc.Status.Code.UNIMPLEMENTED) {
        throw TemporalErrors.translate(e, connection.server(), null);
      }
      return CliError.failed("cannot list builds", "the Temporal server at " + connection.server().address()
          + " has no visibility queries; the SDK's embedded server of `precache worker --dev` without the Temporal "
          + "CLI has none", "use `precache status ID`, or install the Temporal CLI so that `precache worker --dev` "
          + "runs its dev server").report(err);
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
