package dev.precache.starter;

import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * An error the CLI reports in its one style, {@code error: <what> (<why>)}, then the fix on the next line when one
 * is known, and exits with {@link #exitCode()}: 1 for a failed operation, 2 for bad usage or input.
 */
final class CliError extends RuntimeException {
  private final String what;
  private final String why;
  private final String fix;
  private final int exitCode;

  private CliError(String what, String why, String fix, int exitCode, Throwable cause) {
    super(why == null ? what : what + " (" + why + ")", cause);
    this.what = what;
    this.why = why;
    this.fix = fix;
    this.exitCode = exitCode;
  }

  /** Exit 1: something the CLI asked for did not happen. */
  static CliError failed(String what, String why, String fix) {
    return new CliError(what, why, fix, CommandLine.ExitCode.SOFTWARE, null);
  }

  static CliError failed(String what, String why, String fix, Throwable cause) {
    return new CliError(what, why, fix, CommandLine.ExitCode.SOFTWARE, cause);
  }

  /** Exit 2: the command line or an input file is wrong; nothing was started or changed. */
  static CliError usage(String what, String why, String fix) {
    return new CliError(what, why, fix, CommandLine.ExitCode.USAGE, null);
  }

  /**
   * Exit 2 from a message in the {@code <what>: <why>} form validators and picocli write, e.g.
   * {@code invalid --offset: must be …} becomes {@code error: invalid --offset (must be …)}.
   */
  static CliError usage(String message, String fix) {
    String sentence = message.isEmpty() ? message : Character.toLowerCase(message.charAt(0)) + message.substring(1);
    int colon = sentence.indexOf(": ");
    return colon < 0 ? usage(sentence, null, fix)
        : usage(sentence.substring(0, colon), sentence.substring(colon + 2), fix);
  }

  int exitCode() {
    return exitCode;
  }

  String fix() {
    return fix;
  }

  /** Prints the error and returns its exit code. */
  int report(PrintWriter err) {
    err.println("error: " + what + (why == null || why.isBlank() ? "" : " (" + why + ")"));
    if (fix != null) {
      err.println("  " + fix);
    }
    err.flush();
    return exitCode;
  }
}
