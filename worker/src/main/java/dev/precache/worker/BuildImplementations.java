package dev.precache.worker;

import dev.precache.workflows.BuilderActivities;
import dev.precache.workflows.CopyActivities;
import dev.precache.workflows.InstanceActivities;
import dev.precache.workflows.JanitorActivities;
import dev.precache.workflows.NodeClassActivities;
import dev.precache.workflows.PublishActivities;
import dev.precache.workflows.RegistryActivities;
import dev.precache.workflows.RetentionActivities;
import dev.precache.workflows.SnapshotActivities;
import dev.precache.workflows.SnapshotBuildWorkflow;
import dev.precache.workflows.StackActivities;

/**
 * What a precache worker runs: the build workflow implementation (a class with a no-arg constructor; the plan,
 * setup and verify workflows are always {@code PlanWorkflowImpl}, {@code BuilderSetupWorkflowImpl} and
 * {@code VerifySnapshotWorkflowImpl}) and one implementation of each activity interface. Production ones come from {@link WorkerWiring}; tests and the demo
 * pass their own.
 */
public record BuildImplementations(
    Class<? extends SnapshotBuildWorkflow> workflowType,
    StackActivities stack,
    InstanceActivities instance,
    SnapshotActivities snapshot,
    PublishActivities publish,
    RegistryActivities registry,
    BuilderActivities builder,
    RetentionActivities retention,
    JanitorActivities janitor,
    CopyActivities copy,
    NodeClassActivities nodeClass) {}
