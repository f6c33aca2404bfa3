package dev.precache.worker;

import dev.precache.workflows.BuildSearchAttributes;
import io.grpc.StatusRuntimeException;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Whether the namespace has every search attribute builds carry: without them each build fails to start, so the
 * worker refuses to run rather than poll a queue no build can reach.
 */
final class SearchAttributeCheck {
  private SearchAttributeCheck() {}

  /**
   * The attributes missing from {@code namespace}, or empty when the server does not let us look (e.g. Temporal
   * Cloud without operator rights).
   */
  static Optional<List<String>> missing(WorkflowServiceStubs stubs, String namespace) {
    OperatorServiceStubs operator = operatorStubs(stubs);
    try {
      return Optional.of(missing(operator, namespace, 30));
    } catch (StatusRuntimeException cannotLook) {
      return Optional.empty();
    } finally {
      operator.shutdown();
    }
  }

  /** The attributes missing from {@code namespace}; what the server refuses is thrown. */
  static List<String> missing(OperatorServiceStubs operator, String namespace, long deadlineSeconds) {
    Map<String, ?> custom = operator.blockingStub().withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS)
        .listSearchAttributes(ListSearchAttributesRequest.newBuilder().setNamespace(namespace).build())
        .getCustomAttributesMap();
    return BuildSearchAttributes.ALL.stream().map(key -> key.getName())
        .filter(name -> !custom.containsKey(name)).toList();
  }

  /** Operator service stubs on the same server, with the same connection options (TLS, API key). */
  static OperatorServiceStubs operatorStubs(WorkflowServiceStubs stubs) {
    return OperatorServiceStubs.newServiceStubs(
        OperatorServiceStubsOptions.newBuilder(stubs.getOptions()).validateAndBuildWithDefaults());
  }

  /** What to run, for the error message. */
  static String registerCommands(List<String> missing) {
    StringBuilder commands = new StringBuilder();
    for (var key : BuildSearchAttributes.ALL) {
      if (missing.contains(key.getName())) {
        commands.append("\n  temporal operator search-attribute create --name ").append(key.getName())
            .append(" --type ").append(key.getValueType().name().endsWith("KEYWORD_LIST") ? "KeywordList" : "Keyword");
      }
    }
    return commands.toString();
  }
}
