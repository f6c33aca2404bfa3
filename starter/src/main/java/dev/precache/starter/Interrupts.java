package dev.precache.starter;

import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;

/**
 * Ctrl-C while following a build. Each SIGINT is recorded for the follow loop to act on at its next poll (within
 * a poll interval): the first detaches, or cancels with {@code --cancel-on-interrupt}, in which case the second
 * detaches; a third, should the loop be stuck in a call to the server, ends the process at once.
 */
final class Interrupts {
  static final int EXIT_CODE = 130;

  private final AtomicInteger count = new AtomicInteger();

  /** Nothing installed: for in-process runs (tests, the demo), whose host owns the signals. */
  static Interrupts none() {
    return new Interrupts();
  }

  /**
   * Until a command follows a build, Ctrl-C ends the process at once, saying on stderr what it interrupted and
   * what that left (e.g. "no build was started").
   */
  static void endAtOnce(String interrupted) {
    Signal.handle(new Signal("INT"), signal -> {
      System.err.println();
      System.err.println("interrupted " + interrupted);
      System.err.flush();
      Runtime.getRuntime().halt(EXIT_CODE);
    });
  }

  /** Takes over SIGINT for this process. */
  static Interrupts onSigint() {
    Interrupts interrupts = new Interrupts();
    Signal.handle(new Signal("INT"), signal -> {
      if (interrupts.count.incrementAndGet() > 2) {
        Runtime.getRuntime().halt(EXIT_CODE);
      }
    });
    return interrupts;
  }

  /** How many times Ctrl-C was pressed so far. */
  int count() {
    return count.get();
  }
}
