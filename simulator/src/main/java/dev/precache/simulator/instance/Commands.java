package dev.precache.simulator.instance;

import dev.precache.simulator.instance.Job.Io;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The programs a Run Command script can reach. AWS-RunShellScript on Bottlerocket runs in the control
 * container, which has a shell and apiclient; {@code apiclient exec admin} runs a command in the admin container,
 * which has curl and base64 and sheltie; ctr and systemctl exist only on the host, reached through sheltie. Anything
 * else is "command not found", as in a real shell.
 */
final class Commands {
  enum Context { CONTROL_CONTAINER, ADMIN_CONTAINER, HOST }

  /**
   * With SSM's 1 s delivery, stop kubelet (apiclient exec, systemctl) takes 2.1 s and remove images (apiclient exec,
   * ctr images ls, ctr images rm; {@link Ctr}'s 200 ms each) 1.7 s: FIGURES.md's "2 s + 2 s" for the two (ai-on-eks
   * preload-container-images.md, one observation). How the time splits between the programs is an estimate.
   */
  private static final long APICLIENT_EXEC_MILLIS = 300;
  private static final long SYSTEMCTL_MILLIS = 800;

  private final Ctr ctr;
  private final DiskFree df;
  private final EcrCredentialProvider ecrCredentialProvider;
  private final DiskRead dd;
  private final Curl curl;
  private boolean kubeletActive = true;

  Commands(Ctr ctr, DiskFree df, EcrCredentialProvider ecrCredentialProvider, DiskRead dd, Curl curl) {
    this.ctr = ctr;
    this.df = df;
    this.ecrCredentialProvider = ecrCredentialProvider;
    this.dd = dd;
    this.curl = curl;
  }

  boolean kubeletActive() {
    return kubeletActive;
  }

  /** The instance booted: kubelet is enabled, so it runs again. */
  void boot() {
    kubeletActive = true;
  }

  Job create(List<String> words, Context context, Io io) {
    String program = words.get(0);
    List<String> args = words.subList(1, words.size());
    return switch (program) {
      case "true", ":" -> instant(io, 0);
      case "false" -> instant(io, 1);
      case "echo" -> new TimedJob(io, 0, () -> {
        io.stdout().append(String.join(" ", args)).append('\n');
        return 0;
      });
      case "sh", "bash" -> shell(program, args, context, io);
      case "xargs" -> xargs(args, context, io);
      case "grep" -> TextFilters.grep(args, io);
      case "cut" -> TextFilters.cut(args, io);
      case EcrCredentialProvider.PATH ->
          context == Context.HOST ? ecrCredentialProvider.create(args, io) : notFound(program, io);
      case "apiclient" -> context == Context.CONTROL_CONTAINER ? apiclient(args, io) : notFound(program, io);
      case "sheltie" -> context == Context.ADMIN_CONTAINER ? sheltie(args, io) : notFound(program, io);
      case "curl" -> context == Context.ADMIN_CONTAINER ? curl.create(args, io) : notFound(program, io);
      case "base64" -> context == Context.ADMIN_CONTAINER ? base64(args, io) : notFound(program, io);
      case "ctr" -> context == Context.HOST ? ctr.create(args, io) : notFound(program, io);
      case "systemctl" -> context == Context.HOST ? systemctl(args, io) : notFound(program, io);
      case "df" -> context == Context.HOST ? df.create(args, io) : failure(io, 0, 1, "df: the simulated control "
          + "container has no data volume; run df on the host: apiclient exec admin sheltie df ...");
      case "dd" -> context == Context.HOST ? dd.create(args, io) : failure(io, 0, 1, "dd: failed to open '"
          + "/dev/xvdb': No such file or directory (the control container has no block devices; run dd on the host: "
          + "apiclient exec admin sheltie dd ...)");
      default -> notFound(program, io);
    };
  }

  /** A script in the given context: the whole Run Command document, {@code sh -c}, or sheltie's stdin. */
  Job script(String text, Context context, Io io, String shellName) {
    try {
      return new ScriptJob(io, ShellScript.parse(text), this, context);
    } catch (ShellScript.SyntaxError e) {
      return new TimedJob(io, 0, () -> {
        io.stderr().append(shellName).append(": line 1: ").append(e.getMessage()).append('\n');
        return 2;
      });
    }
  }

  private Job shell(String program, List<String> args, Context context, Io io) {
    if (args.isEmpty()) {
      return script(io.stdin(), context, io, program);
    }
    if (args.get(0).equals("-c") && args.size() > 1) {
      return script(args.get(1), context, io, program + ": -c");
    }
    return failure(io, 0, 127, program + ": " + args.get(0) + ": No such file or directory");
  }

  /**
   * {@code xargs [-r] [-I R] [command...]}: runs the command once with stdin's words appended (no -n batching), or
   * with {@code -I R} once per non-blank input line, R in the arguments replaced by the line (none for no input).
   */
  private Job xargs(List<String> args, Context context, Io io) {
    boolean skipWhenEmpty = false;
    String replace = null;
    int at = 0;
    while (at < args.size() && args.get(at).startsWith("-")) {
      String option = args.get(at++);
      if (option.equals("-r") || option.equals("--no-run-if-empty")) {
        skipWhenEmpty = true;
      } else if (option.equals("-I") && at < args.size()) {
        replace = args.get(at++);
      } else {
        return failure(io, 0, 1, "xargs: invalid option -- '" + option.replaceFirst("^-+", "") + "'");
      }
    }
    if (replace != null) {
      return xargsPerLine(args.subList(at, args.size()), replace, context, io);
    }
    List<String> items = io.stdin().isBlank() ? List.of() : Arrays.asList(io.stdin().strip().split("\\s+"));
    if (skipWhenEmpty && items.isEmpty()) {
      return instant(io, 0);
    }
    List<String> command = new ArrayList<>(at < args.size() ? args.subList(at, args.size()) : List.of("echo"));
    command.addAll(items);
    // GNU xargs: 123 when the command exited 1–125, 127 when it could not be found.
    return new DelegatingJob(io, 0, () -> create(command, context, io.withStdin("")),
        status -> status >= 1 && status <= 125 ? 123 : status);
  }

  private Job xargsPerLine(List<String> template, String replace, Context context, Io io) {
    List<ShellScript.Step> runs = new ArrayList<>();
    for (String line : io.stdin().split("\n")) {
      String item = line.strip();
      if (!item.isEmpty()) {
        List<String> command = template.stream().map(arg -> arg.replace(replace, item)).toList();
        runs.add(new ShellScript.Step(ShellScript.Connector.ALWAYS, List.of(command.isEmpty() ? List.of("echo", item) : command)));
      }
    }
    if (runs.isEmpty()) {
      return instant(io, 0);
    }
    return new DelegatingJob(io, 0, () -> new ScriptJob(io.withStdin(""), new ShellScript(runs), this, context),
        status -> status >= 1 && status <= 125 ? 123 : status);
  }

  private Job apiclient(List<String> args, Io io) {
    if (args.size() < 3 || !args.subList(0, 2).equals(List.of("exec", "admin"))) {
      return failure(io, 0, 1, "apiclient: the simulated apiclient supports only `apiclient exec admin command...`");
    }
    List<String> command = args.subList(2, args.size());
    return new DelegatingJob(io, APICLIENT_EXEC_MILLIS, () -> create(command, Context.ADMIN_CONTAINER, io),
        status -> status);
  }

  /** sheltie: the host's namespaces from the admin container; without a command, a shell reading stdin. */
  private Job sheltie(List<String> command, Io io) {
    return command.isEmpty() ? script(io.stdin(), Context.HOST, io, "bash") : create(command, Context.HOST, io);
  }

  /** coreutils base64 on stdin: encodes, or with {@code -d} decodes (invalid input: exit 1). */
  private static Job base64(List<String> args, Io io) {
    boolean decode = args.equals(List.of("-d")) || args.equals(List.of("--decode"));
    if (!decode && !args.isEmpty()) {
      return failure(io, 0, 1, "base64: the simulated base64 takes only -d and reads stdin");
    }
    return new TimedJob(io, 0, () -> {
      try {
        io.stdout().append(decode
            ? new String(java.util.Base64.getMimeDecoder().decode(io.stdin().strip()), java.nio.charset.StandardCharsets.UTF_8)
            : java.util.Base64.getEncoder().encodeToString(io.stdin().getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "\n");
        return 0;
      } catch (IllegalArgumentException e) {
        io.stderr().append("base64: invalid input\n");
        return 1;
      }
    });
  }

  private Job systemctl(List<String> args, Io io) {
    if (args.size() != 2 || !args.get(1).replaceFirst("\\.service$", "").equals("kubelet")) {
      String unit = args.size() > 1 ? args.get(1) : "";
      return failure(io, SYSTEMCTL_MILLIS, 5, "Failed to " + (args.isEmpty() ? "run" : args.get(0)) + " "
          + unit + ": Unit " + unit + " not loaded.");
    }
    return switch (args.get(0)) {
      case "stop" -> new TimedJob(io, SYSTEMCTL_MILLIS, () -> {
        kubeletActive = false;
        return 0;
      });
      case "start", "restart" -> new TimedJob(io, SYSTEMCTL_MILLIS, () -> {
        kubeletActive = true;
        return 0;
      });
      case "is-active" -> new TimedJob(io, 0, () -> {
        io.stdout().append(kubeletActive ? "active\n" : "inactive\n");
        return kubeletActive ? 0 : 3;
      });
      default -> failure(io, 0, 1, "Unknown command verb " + args.get(0) + ".");
    };
  }

  private static Job notFound(String program, Io io) {
    return failure(io, 0, 127, "sh: " + program + ": command not found");
  }

  private static Job instant(Io io, int status) {
    return new TimedJob(io, 0, () -> status);
  }

  static Job failure(Io io, long millis, int status, String message) {
    return new TimedJob(io, millis, () -> {
      io.stderr().append(message).append('\n');
      return status;
    });
  }
}
