package dev.precache.workflows;

import java.time.Instant;

/**
 * A resource precache tagged, found by the janitor.
 *
 * @param id         the stack name, instance, volume, parameter name or snapshot ID
 * @param buildId    its {@code precache:build-id} (for a parameter: its path under {@code /precache/builds/})
 * @param workflowId its {@code precache:workflow-id}, or null when it carries none (an instance, a volume, a
 *                   parameter: {@link Janitor} takes the one of its build's stack or snapshot)
 * @param createdAt  when it was made (a parameter: last written)
 */
public record Leftover(Kind kind, String id, String region, String buildId, String workflowId, Instant createdAt) {

  /** In the order the janitor removes them: a stack takes its instance and volume with it. */
  public enum Kind { STACK, INSTANCE, VOLUME, PARAMETER, SNAPSHOT }

  Leftover withWorkflowId(String workflow) {
    return new Leftover(kind, id, region, buildId, workflow, createdAt);
  }
}
