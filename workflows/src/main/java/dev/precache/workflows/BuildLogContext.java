package dev.precache.workflows;

import io.temporal.api.common.v1.Payload;
import io.temporal.common.context.ContextPropagator;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.MDC;

/**
 * The build name and step on every log line of a build, as MDC entries beside the SDK's own ({@code WorkflowId},
 * {@code ActivityType}, …). The workflow sets them on its thread; as a {@link ContextPropagator} registered on the
 * worker's client, this class carries them to the workflow threads the build starts (pulls, teardown) and, in
 * activity headers, to the activities, which log with them too. Headers do not change a command's identity, so
 * builds recorded without them replay.
 */
public final class BuildLogContext implements ContextPropagator {
  public static final String BUILD_NAME = "BuildName";
  public static final String BUILD_STEP = "BuildStep";
  /** What the step entry says while a teardown runs. */
  static final String TEARDOWN = "teardown";
  private static final List<String> KEYS = List.of(BUILD_NAME, BUILD_STEP);

  /** In workflow code, once the request is validated. */
  static void build(String name) {
    MDC.put(BUILD_NAME, name);
  }

  /** In workflow code, as a step begins. */
  static void step(String step) {
    MDC.put(BUILD_STEP, step);
  }

  @Override
  public String getName() {
    return "precache-build-log-context";
  }

  @Override
  public Object getCurrentContext() {
    Map<String, String> context = new HashMap<>();
    for (String key : KEYS) {
      String value = MDC.get(key);
      if (value != null) {
        context.put(key, value);
      }
    }
    return context;
  }

  /** Sets what the context has and removes what it lacks, so a reused thread keeps nothing of an earlier build. */
  @Override
  @SuppressWarnings("unchecked")
  public void setCurrentContext(Object context) {
    Map<String, String> entries = (Map<String, String>) context;
    for (String key : KEYS) {
      String value = entries.get(key);
      if (value != null) {
        MDC.put(key, value);
      } else {
        MDC.remove(key);
      }
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public Map<String, Payload> serializeContext(Object context) {
    Map<String, Payload> header = new HashMap<>();
    ((Map<String, String>) context).forEach((key, value) ->
        header.put(key, DefaultDataConverter.STANDARD_INSTANCE.toPayload(value).orElseThrow()));
    return header;
  }

  @Override
  public Object deserializeContext(Map<String, Payload> header) {
    Map<String, String> context = new HashMap<>();
    for (String key : KEYS) {
      Payload payload = header.get(key);
      if (payload != null) {
        context.put(key, DefaultDataConverter.STANDARD_INSTANCE.fromPayload(payload, String.class, String.class));
      }
    }
    return context;
  }
}
