package dev.precache.starter;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code precache list}: recent builds, newest first. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List recent builds.")
final class ListCommand implements Callable<Integer> {
  @ParentCommand
  private PrecacheCli cli;

  @Spec
  private CommandSpec spec;

  @Option(names = "--limit", defaultValue = "20", description = "At most this many builds (default: ${DEFAULT-VALUE}).")
  int limit;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    BuildListing listing = new BuildListing();
    try (TemporalConnection connection = cli.connect()) {
      List<String> rows =
          connection.client().listExecutions(listing.query()).limit(limit).map(BuildListing::row).toList();
      out.println(BuildListing.HEADER);
      rows.forEach(out::println);
      return CommandLine.ExitCode.OK;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
        throw e;
      }
      spec.commandLine().getErr().println("error: this Temporal server does not support visibility queries, so "
          + "builds cannot be listed (the embedded dev server of `precache worker --dev` has none); "
          + "use `precache status ID`, or a Temporal server with visibility and its Web UI");
      return CommandLine.ExitCode.SOFTWARE;
    }
  }
}
