package dev.precache.simulator.instance;

/**
 * A command's state as of a polled time; exit code and output are final once the state is not IN_PROGRESS, and
 * {@code endedAtMillis} is then the simulated time it ended (null while it runs).
 */
public record ExecutionStatus(State state, int exitCode, String stdout, String stderr, Long endedAtMillis) {

  public enum State { IN_PROGRESS, SUCCESS, FAILED, CANCELLED }

  /** The exit code while a command runs or when it never exited, as SSM reports it. */
  public static final int NO_EXIT_CODE = -1;
}
