package dev.precache.worker;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;

/** Logback's JSON lines ({@code --log-format json}), with expected failures in the message instead of a stack. */
public final class ExpectedFailureJsonEncoder extends JsonEncoder {
  /** One line per event: the time, level, thread, logger, the formatted message, and a stack when unexpected. */
  public ExpectedFailureJsonEncoder() {
    setWithSequenceNumber(false);
    setWithNanoseconds(false);
    setWithContext(false);
    setWithMessage(false);
    setWithArguments(false);
    setWithFormattedMessage(true);
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    return super.encode(ExpectedFailures.folded(event));
  }
}
