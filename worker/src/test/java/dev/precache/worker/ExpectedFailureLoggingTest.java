package dev.precache.worker;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.workflows.BuildFailures;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** An expected failure (ApplicationFailure) logs as one line, text or JSON; any other keeps its stack trace. */
class ExpectedFailureLoggingTest {
  private final LoggerContext context = newContext();
  private final Logger logger = context.getLogger("io.temporal.internal.activity.ActivityTaskExecutors");

  private static LoggerContext newContext() {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    return context;
  }

  private LoggingEvent event(Throwable failure) {
    return new LoggingEvent(Logger.class.getName(), logger, Level.WARN,
        "Activity failure. ActivityId=1, activityType=PullImage, attempt=1", failure, null);
  }

  private String text(Throwable failure) {
    ExpectedFailureConverter converter = new ExpectedFailureConverter();
    converter.setContext(context);
    converter.start();
    return event(failure).getFormattedMessage() + converter.convert(event(failure));
  }

  @Test
  void anExpectedFailureIsOneLineWithItsMessage() {
    String line = text(ApplicationFailure.newNonRetryableFailure(
        "pull docker.io/library/nginx:1.27 failed:\nctr: not found", BuildFailures.IMAGE_NOT_FOUND));

    assertThat(line).doesNotContain("\n", "\tat ")
        .contains("activityType=PullImage", "ApplicationFailure: ", "ctr: not found", "ImageNotFound");
  }

  @Test
  void anUnexpectedFailureKeepsItsStackTrace() {
    assertThat(text(new NullPointerException("boom")))
        .contains("\njava.lang.NullPointerException: boom", "\tat dev.precache.worker.ExpectedFailureLoggingTest");
  }

  @Test
  void jsonFoldsAnExpectedFailureIntoTheMessageAndKeepsOtherStacks() throws Exception {
    ExpectedFailureJsonEncoder encoder = new ExpectedFailureJsonEncoder();
    encoder.setContext(context);
    encoder.start();
    ObjectMapper json = new ObjectMapper();

    JsonNode expected = json.readTree(new String(encoder.encode(event(
        ApplicationFailure.newFailure("429 Too Many Requests", "TransientCommandError"))), StandardCharsets.UTF_8));
    JsonNode unexpected = json.readTree(new String(encoder.encode(event(new IllegalStateException("bug"))),
        StandardCharsets.UTF_8));

    assertThat(expected.get("formattedMessage").asText()).contains("PullImage", "429 Too Many Requests");
    assertThat(expected.get("throwable").isNull()).isTrue();
    assertThat(unexpected.get("throwable").toString()).contains("IllegalStateException", "stepArray");
  }
}
