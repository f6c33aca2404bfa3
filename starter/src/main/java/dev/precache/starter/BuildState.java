package dev.precache.starter;

import dev.precache.workflows.BuildSearchAttributes;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import java.util.Locale;
import picocli.CommandLine;

/**
 * The state words every command prints ({@code status}, {@code list}, {@code --output json}): the build's own
 * {@link BuildSearchAttributes.Status}, plus {@code TERMINATED} for a build stopped from outside, whose teardown
 * never ran.
 */
enum BuildState {
  RUNNING, SUCCEEDED, FAILED, CANCELLED, TIMED_OUT, TERMINATED;

  /**
   * The build's own status, unless the execution ended without the build saying so (terminated, its run timeout
   * passed, or a build from before the status attribute): then the execution's, in the same words.
   *
   * @param recorded the {@link BuildSearchAttributes#STATUS} attribute, or null
   */
  static BuildState of(WorkflowExecutionStatus execution, String recorded) {
    BuildState fromExecution = switch (execution) {
      case WORKFLOW_EXECUTION_STATUS_COMPLETED -> SUCCEEDED;
      case WORKFLOW_EXECUTION_STATUS_CANCELED -> CANCELLED;
      case WORKFLOW_EXECUTION_STATUS_TIMED_OUT -> TIMED_OUT;
      case WORKFLOW_EXECUTION_STATUS_TERMINATED -> TERMINATED;
      case WORKFLOW_EXECUTION_STATUS_RUNNING -> RUNNING;
      default -> FAILED;
    };
    if (recorded == null || fromExecution == TERMINATED || fromExecution != RUNNING && recorded.equals(RUNNING.name())) {
      return fromExecution;
    }
    return valueOf(recorded);
  }

  /** {@code list --status}: the words above in any case, and Temporal's spellings of them too. */
  static final class Filter implements CommandLine.ITypeConverter<BuildSearchAttributes.Status> {
    @Override
    public BuildSearchAttributes.Status convert(String value) {
      String word = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
      String canonical = switch (word) {
        case "COMPLETED" -> "SUCCEEDED";
        case "CANCELED" -> "CANCELLED";
        case "TIMEDOUT" -> "TIMED_OUT";
        default -> word;
      };
      try {
        return BuildSearchAttributes.Status.valueOf(canonical);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException("expected one of RUNNING, SUCCEEDED, FAILED, CANCELLED, "
            + "TIMED_OUT, got '" + value + "'");
      }
    }
  }
}
