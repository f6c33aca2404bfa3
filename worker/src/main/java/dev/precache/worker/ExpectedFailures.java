package dev.precache.worker;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import java.lang.reflect.Proxy;

/**
 * Expected failures log as one line. Activities classify every AWS and command error they expect (image not found,
 * throttling, a failed command …) into an {@code ApplicationFailure} with the cause in its message, which the SDK
 * logs with its whole stack; that stack says nothing the message does not. Anything else is unexpected and keeps
 * its stack trace.
 */
final class ExpectedFailures {
  private static final String APPLICATION_FAILURE = "io.temporal.failure.ApplicationFailure";

  private ExpectedFailures() {}

  static boolean isExpected(IThrowableProxy throwable) {
    return throwable != null && APPLICATION_FAILURE.equals(throwable.getClassName());
  }

  /** {@code ApplicationFailure: message='…', type='ImageNotFound' …}, on one line. */
  static String oneLine(IThrowableProxy throwable) {
    String message = throwable.getMessage() == null ? "" : throwable.getMessage();
    return "ApplicationFailure: " + message.replaceAll("\\s*\\R\\s*", " ");
  }

  /** {@code event} with an expected failure folded into its message and no throwable, for encoders that print stacks. */
  static ILoggingEvent folded(ILoggingEvent event) {
    IThrowableProxy throwable = event.getThrowableProxy();
    if (!isExpected(throwable)) {
      return event;
    }
    String message = event.getFormattedMessage() + " (" + oneLine(throwable) + ")";
    return (ILoggingEvent) Proxy.newProxyInstance(ILoggingEvent.class.getClassLoader(),
        new Class<?>[] {ILoggingEvent.class}, (proxy, method, args) -> switch (method.getName()) {
          case "getThrowableProxy" -> null;
          case "getFormattedMessage", "getMessage" -> message;
          case "getArgumentArray" -> null;
          default -> {
            try {
              yield method.invoke(event, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
              throw e.getCause();
            }
          }
        });
  }
}
