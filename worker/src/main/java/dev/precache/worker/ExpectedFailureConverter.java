package dev.precache.worker;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.CoreConstants;

/** {@code %failure} of the text log: an expected failure on the event's line, any other with its stack below it. */
public final class ExpectedFailureConverter extends ThrowableProxyConverter {
  @Override
  public String convert(ILoggingEvent event) {
    IThrowableProxy throwable = event.getThrowableProxy();
    if (throwable == null) {
      return "";
    }
    if (ExpectedFailures.isExpected(throwable)) {
      return " (" + ExpectedFailures.oneLine(throwable) + ")";
    }
    String stack = super.convert(event);
    return CoreConstants.LINE_SEPARATOR + stack.stripTrailing();
  }
}
