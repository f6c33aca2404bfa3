package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionMetadata;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Collectors;

/** Visibility is eventually consistent: a workflow's search attributes reach list queries a moment later. */
final class VisibilityQueries {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private VisibilityQueries() {}

  /** Polls {@code query} until it lists exactly {@code expectedWorkflowIds}; fails with what it lists after 10 s. */
  static void awaitExactly(WorkflowClient client, String query, Set<String> expectedWorkflowIds)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(TIMEOUT);
    Set<String> listed = workflowIds(client, query);
    while (!listed.equals(expectedWorkflowIds) && Instant.now().isBefore(deadline)) {
      Thread.sleep(200);
      listed = workflowIds(client, query);
    }
    assertThat(listed).as("workflows listed by %s", query).isEqualTo(expectedWorkflowIds);
  }

  private static Set<String> workflowIds(WorkflowClient client, String query) {
    return client.listExecutions(query)
        .map(WorkflowExecutionMetadata::getExecution)
        .map(execution -> execution.getWorkflowId())
        .collect(Collectors.toSet());
  }
}
