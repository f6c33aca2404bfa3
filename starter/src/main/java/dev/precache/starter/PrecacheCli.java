package dev.precache.starter;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code precache}: build EBS snapshots of Bottlerocket data volumes with container images pre-pulled. */
@Command(
    name = "precache",
    mixinStandardHelpOptions = true,
    versionProvider = PrecacheVersion.class,
    showDefaultValues = true,
    description = "Builds EBS snapshots of Bottlerocket data volumes with container images pre-pulled.",
    subcommands = {
        BuildCommand.class, PlanCommand.class, StatusCommand.class, WatchCommand.class, CancelCommand.class,
        ListCommand.class,
        ScheduleCommand.class, SnapshotsCommand.class, JanitorCommand.class, SetupCommand.class, NodeClassCommand.class,
        VerifyCommand.class
    },
    footerHeading = "%n",
    footer = {
        "Also run by the ./precache launcher:",
        "  worker      Run the worker that runs builds (./precache worker --help).",
        "  demo        A whole build against a simulated AWS cloud, in one process.",
        "",
        "Shell completion: source <(./precache completion)",
        "",
        "Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,",
        "TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_PROFILE",
        "and TEMPORAL_CONFIG_FILE select the Temporal server, as for every Temporal tool;",
        "--address and --namespace override them. AWS_REGION is the default --region.",
        "",
        "Exit codes: 0 done; 1 failed (a build failed, was cancelled or timed out, or",
        "the server refused); 2 bad usage or input (nothing was started); 130",
        "interrupted by Ctrl-C (the build goes on). `setup --delete` exits 2, deleting",
        "nothing, while builds run in the region."
    })
public final class PrecacheCli {
  static final Duration POLL_INTERVAL = Duration.ofSeconds(1);

  private final BiFunction<String, String, TemporalConnection> connector;
  /** Whether a Temporal server is named; null: ask the environment and {@code --address}. */
  private final Boolean temporalNamed;
  private final Duration pollInterval;
  private final Supplier<Interrupts> interrupts;
  private final boolean interactive;
  private TemporalConnection.Server lastServer;

  @Option(names = "--address", scope = ScopeType.INHERIT, paramLabel = "HOST:PORT", showDefaultValue = CommandLine.Help.Visibility.NEVER,
      description = "Temporal server (default: $TEMPORAL_ADDRESS, the profile's, else " + TemporalConnection.DEFAULT_ADDRESS + ").")
  String address;

  @Option(names = "--namespace", scope = ScopeType.INHERIT, showDefaultValue = CommandLine.Help.Visibility.NEVER,
      description = "Temporal namespace (default: $TEMPORAL_NAMESPACE, the profile's, else " + TemporalConnection.DEFAULT_NAMESPACE + ").")
  String namespace;

  /** A CLI on the server the environment and {@code --address} / {@code --namespace} name. */
  public PrecacheCli(Duration pollInterval) {
    this.connector = TemporalConnection::fromEnvironment;
    this.temporalNamed = null;
    this.pollInterval = pollInterval;
    this.interrupts = Interrupts::onSigint;
    this.interactive = true;
  }

  /** A CLI on a connection someone else made (tests, an in-process server); the flags are ignored. */
  public PrecacheCli(Supplier<TemporalConnection> connector, Duration pollInterval) {
    this(connector, true, pollInterval);
  }

  private PrecacheCli(Supplier<TemporalConnection> connector, boolean temporalNamed, Duration pollInterval) {
    this.connector = (address, namespace) -> connector.get();
    this.temporalNamed = temporalNamed;
    this.pollInterval = pollInterval;
    this.interrupts = Interrupts::none;
    this.interactive = false;
  }

  /**
   * A CLI with no Temporal server configured and none to reach, as for a user who has none (tests of what works
   * without one): a command that needs a server fails as it does when the local default does not answer.
   */
  public static PrecacheCli withoutTemporal(Duration pollInterval) {
    return new PrecacheCli(() -> {
      throw CliError.failed("no Temporal server configured, and none answers at " + TemporalConnection.DEFAULT_ADDRESS,
          null, TemporalErrors.START_A_SERVER);
    }, false, pollInterval);
  }

  public static void main(String[] args) {
    System.exit(new PrecacheCli(POLL_INTERVAL).commandLine().execute(args));
  }

  /**
   * The command line with precache's exit codes: 0 success, 1 failed build or error, 2 bad usage or input.
   * Every error prints in one style (see {@link CliError}), never as a stack trace or a usage dump.
   */
  public CommandLine commandLine() {
    CommandLine commandLine = new CommandLine(this).setCaseInsensitiveEnumValuesAllowed(true);
    commandLine.addSubcommand("completion", new CompletionCommand());
    shareVersion(commandLine);
    commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> report(e, cmd.getErr()));
    commandLine.setParameterExceptionHandler((e, args) -> {
      PrintWriter err = e.getCommandLine().getErr();
      return CliError.usage(e.getMessage().replace("option option", "option"),
          "see `" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help`").report(err);
    });
    return commandLine;
  }

  /** An error no command turned into a {@link CliError}: a Temporal one is explained, anything else named. */
  private int report(Exception e, PrintWriter err) {
    if (e instanceof CliError error) {
      return error.report(err);
    }
    if (e instanceof RuntimeException runtime && lastServer != null
        && TemporalErrors.translate(runtime, lastServer, null) instanceof CliError error) {
      return error.report(err);
    }
    return CliError.failed(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), null, null).report(err);
  }

  /** {@code --version} of every subcommand prints precache's version. */
  private static void shareVersion(CommandLine commandLine) {
    for (CommandLine sub : commandLine.getSubcommands().values()) {
      sub.getCommandSpec().versionProvider(new PrecacheVersion());
      shareVersion(sub);
    }
  }

  TemporalConnection connect() {
    TemporalConnection connection = connector.apply(address, namespace);
    lastServer = connection.server();
    return connection;
  }

  /**
   * Whether a Temporal server was named ({@code --address}, {@code TEMPORAL_ADDRESS}, a config profile) rather than
   * left to the local default: a command that can do without one tells its absence apart from a server that is down.
   */
  boolean temporalConfigured() {
    return temporalNamed != null ? temporalNamed : address != null || TemporalConnection.environmentNamesServer();
  }

  Duration pollInterval() {
    return pollInterval;
  }

  /**
   * Whether stdout is a terminal, for the live progress display: not when a test or the demo hosts the CLI, nor
   * for {@code TERM=dumb}.
   */
  boolean stdoutIsTerminal() {
    return interactive && System.console() != null && !"dumb".equals(System.getenv("TERM"));
  }

  /** What Ctrl-C interrupts before a command follows a build: said as it ends the process (not in-process). */
  void onInterruptBeforeFollowing(String interrupted) {
    if (interactive) {
      Interrupts.endAtOnce(interrupted);
    }
  }

  /** Ctrl-C, taken over while a command follows a build. */
  Interrupts interrupts() {
    return interrupts.get();
  }

  /** {@code precache completion}: a bash/zsh completion script for every command and flag. */
  @Command(name = "completion", mixinStandardHelpOptions = true,
      description = "Print a bash/zsh completion script: source <(./precache completion)")
  static final class CompletionCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      CommandLine root = spec.commandLine().getParent();
      spec.commandLine().getOut().print(AutoComplete.bash(root.getCommandName(), root));
      spec.commandLine().getOut().flush();
    }
  }
}
