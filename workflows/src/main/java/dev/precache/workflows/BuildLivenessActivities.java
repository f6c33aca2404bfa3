package dev.precache.workflows;

import io.temporal.activity.ActivityInterface;
import java.util.List;

/** What the worker's Temporal server knows of builds: an activity, as a workflow cannot describe another. */
@ActivityInterface
public interface BuildLivenessActivities {

  /** Those of {@code workflowIds} whose latest run is running; a closed one or one the server does not know is not. */
  List<String> runningWorkflows(List<String> workflowIds);
}
