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
