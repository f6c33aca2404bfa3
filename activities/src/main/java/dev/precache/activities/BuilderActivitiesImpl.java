package dev.precache.activities;

import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.BuilderActivities;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.AlreadyExistsException;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.CreateStackRequest;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.Tag;
import software.amazon.awssdk.services.cloudformation.model.UpdateStackRequest;

/**
 * The region's builder stack (deploy/cloudformation/builder.yaml): found, created, updated to this precache's
 * {@link #VERSION}, or deleted, each time waiting until CloudFormation is done. Every build without a role of its
 * own calls {@link #ensureBuilderStack}, so it must be cheap when the stack is current (one DescribeStacks) and
 * safe when builds race: whatever another caller started is waited for, never started twice. The builds one worker
 * runs wait for the one stack together: their looks at it are shared ({@link SharedCalls}), so ten builds waiting
 * for its creation cost about one build's DescribeStacks, not ten, and those that found it missing (or old) together
 * ask for it once.
 */
public final class BuilderActivitiesImpl implements BuilderActivities {

  private static final Logger log = LoggerFactory.getLogger(BuilderActivitiesImpl.class);

  /** The builder template's version: raise it with every change to builder.yaml, so existing stacks update. */
  static final int VERSION = 1;
  static final String RESOURCE = "builder.yaml";
  static final String COMPONENT_TAG = "precache:component";
  static final String VERSION_TAG = "precache:builder-version";
  private static final String NO_UPDATES = "No updates are to be performed";

  private final AwsClients clients;
  private final Polling polling;
  private final StackActivitiesImpl stacks;
  private final SharedCalls<StackInRegion, Stack> stackReads;
  private final SharedCalls<StackInRegion, Boolean> stackChanges;

  private record StackInRegion(String region, String stackName) {}

  /** @param pollInterval how often the stack's status is read while waiting (5 s in production) */
  public BuilderActivitiesImpl(AwsClients clients, Duration pollInterval) {
    this.clients = clients;
    this.polling = new Polling(pollInterval);
    this.stacks = new StackActivitiesImpl(clients, pollInterval);
    // An answer as old as a wait's shortest pause: a waiter given it sees a change no later than if it had polled.
    this.stackReads = new SharedCalls<>(polling, pollInterval.dividedBy(5));
    // A change asked for after a caller's look answers for it however long ago: it looks again instead of asking.
    this.stackChanges = new SharedCalls<>(polling, SharedCalls.FOREVER);
  }

  @Override
  public BuilderStack ensureBuilderStack(String region) {
    CloudFormationClient cloudFormation = clients.cloudFormation(region);
    Outcome outcome = Outcome.FOUND;
    boolean updateRolledBack = false;
    Polling.Wait wait = polling.newSharedWait();
    StackInRegion builder = new StackInRegion(region, STACK_NAME);
    // Each look wants an answer newer than the last, and than this caller's own change to the stack.
    long newerThan = SharedCalls.ANY;
    try {
      while (true) {
        SharedCalls.Answer<Stack> look = stackReads.read(builder, newerThan, "describe stack " + STACK_NAME, outcome,
            () -> StackActivitiesImpl.describe(cloudFormation, STACK_NAME));
        newerThan = look.readAtNanos();
        Stack stack = look.value();
        String status = stack == null ? "DELETE_COMPLETE" : stack.stackStatusAsString();
        switch (status) {
          case "DELETE_COMPLETE" -> {
            if (create(cloudFormation, builder, look.readAtNanos())) {
              outcome = Outcome.CREATED;
            }
            newerThan = System.nanoTime();
          }
          case "CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE" -> {
            updateRolledBack |= outcome == Outcome.UPDATED && status.equals("UPDATE_ROLLBACK_COMPLETE");
            int version = version(stack);
            if (version >= VERSION || updateRolledBack) {
              if (updateRolledBack) {
                // The stack as it was still holds a working role and profile: builds go on with it.
                log.warn("Updating {} in {} to version {} rolled back ({}); builds use version {}", STACK_NAME,
                    region, VERSION, StackActivitiesImpl.creationFailure(cloudFormation, STACK_NAME), version);
              }
              return found(region, stack, version, outcome);
            }
            if (update(cloudFormation, builder, look.readAtNanos(), version)) {
              outcome = Outcome.UPDATED;
            }
            newerThan = System.nanoTime();
          }
          case "ROLLBACK_COMPLETE" -> {
            String why = StackActivitiesImpl.creationFailure(cloudFormation, STACK_NAME);
            if (outcome == Outcome.CREATED) {
              throw ApplicationFailure.newNonRetryableFailure("builder stack " + STACK_NAME + " in " + region
                  + " could not be created: " + why, BuildFailures.STACK_FAILED);
            }
            // A failed creation (an earlier caller's) can only be deleted; then it is made again.
            log.info("Builder stack {} in {} is {} ({}); deleting it to make it again", STACK_NAME, region, status,
                why);
            stacks.deleteStack(region, STACK_NAME);
            newerThan = System.nanoTime();
          }
          default -> {
            if (!status.endsWith("_IN_PROGRESS")) {
              // CREATE_FAILED, ROLLBACK_FAILED, DELETE_FAILED, UPDATE_ROLLBACK_FAILED: a person must look.
              throw ApplicationFailure.newNonRetryableFailure("builder stack " + STACK_NAME + " in " + region
                  + " is " + status + " (" + stack.stackStatusReason() + "); fix or delete it (precache setup"
                  + " --delete -r " + region + ") and build again", BuildFailures.STACK_FAILED);
            }
            // Someone (another build, a setup) is creating, updating or deleting it: wait for them.
            wait.pause(status);
          }
        }
      }
    } catch (SdkException e) {
      throw AwsFailures.classify("ensure builder stack " + STACK_NAME, e);
    }
  }

  /**
   * Asks for the stack; false when another caller created it first, which is then waited for like our own. Callers
   * on this worker that found it missing by looks older than a request in flight wait for that one instead.
   */
  private boolean create(CloudFormationClient cloudFormation, StackInRegion builder, long lookedAtNanos) {
    String region = builder.region();
    CreateStackRequest request = CreateStackRequest.builder()
        .stackName(STACK_NAME)
        .templateBody(BuildInstanceTemplate.read(RESOURCE))
        .parameters(versionParameter())
        .capabilities(Capability.CAPABILITY_IAM)
        .tags(tags())
        .build();
    // A try that timed out may have created it: the next one then finds it there, which is the same.
    AtomicBoolean ours = new AtomicBoolean();
    stackChanges.read(builder, lookedAtNanos, "create stack " + STACK_NAME, "CreateStack", () -> {
      try {
        cloudFormation.createStack(request);
        log.info("Creating builder stack {} (version {}) in {}", STACK_NAME, VERSION, region);
        ours.set(true);
        return true;
      } catch (AlreadyExistsException e) {
        log.info("Builder stack {} in {} already exists; waiting for it", STACK_NAME, region);
        return false;
      }
    });
    return ours.get();
  }

  /**
   * Asks for the update; false when it was not needed after all (another caller updated it first), or another
   * caller on this worker asked for it by a look as old as ours.
   */
  private boolean update(CloudFormationClient cloudFormation, StackInRegion builder, long lookedAtNanos, int from) {
    String region = builder.region();
    UpdateStackRequest request = UpdateStackRequest.builder()
        .stackName(STACK_NAME)
        .templateBody(BuildInstanceTemplate.read(RESOURCE))
        .parameters(versionParameter())
        .capabilities(Capability.CAPABILITY_IAM)
        .tags(tags())
        .build();
    AtomicBoolean ours = new AtomicBoolean();
    stackChanges.read(builder, lookedAtNanos, "update stack " + STACK_NAME, "UpdateStack", () -> {
      try {
        cloudFormation.updateStack(request);
        log.info("Updating builder stack {} in {} from version {} to {}", STACK_NAME, region, from, VERSION);
        ours.set(true);
        return true;
      } catch (CloudFormationException e) {
        String message = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
        if (message != null && (message.contains(NO_UPDATES) || message.contains("_IN_PROGRESS state"))) {
          // Already current, or another caller's update is running: the next look sees which.
          return false;
        }
        throw e;
      }
    });
    return ours.get();
  }

  @Override
  public BuilderStack deleteBuilderStack(String region) {
    CloudFormationClient cloudFormation = clients.cloudFormation(region);
    Stack stack;
    try {
      stack = polling.untilAnswered("describe stack " + STACK_NAME, "DescribeStacks",
          () -> StackActivitiesImpl.describe(cloudFormation, STACK_NAME));
    } catch (SdkException e) {
      throw AwsFailures.classify("delete builder stack " + STACK_NAME, e);
    }
    if (stack == null) {
      return new BuilderStack(region, STACK_NAME, 0, null, null, Outcome.ABSENT);
    }
    stacks.deleteStack(region, STACK_NAME);
    return new BuilderStack(region, STACK_NAME, version(stack), null, null, Outcome.DELETED);
  }

  private static BuilderStack found(String region, Stack stack, int version, Outcome outcome) {
    return new BuilderStack(region, STACK_NAME, version, output(stack, "InstanceProfileName"),
        output(stack, "InstanceProfileArn"), outcome);
  }

  /** The version the stack was made or last updated with; 0 when it has no readable tag (older than any). */
  static int version(Stack stack) {
    return stack.tags().stream()
        .filter(tag -> VERSION_TAG.equals(tag.key()))
        .map(Tag::value)
        .filter(value -> value.matches("[0-9]{1,9}"))
        .mapToInt(Integer::parseInt)
        .findFirst()
        .orElse(0);
  }

  private static String output(Stack stack, String key) {
    return stack.outputs().stream()
        .filter(output -> key.equals(output.outputKey()))
        .map(Output::outputValue)
        .findFirst()
        .orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
            "builder stack " + stack.stackName() + " has no output " + key, BuildFailures.STACK_FAILED));
  }

  private static Parameter versionParameter() {
    return Parameter.builder().parameterKey("BuilderVersion").parameterValue(String.valueOf(VERSION)).build();
  }

  private static List<Tag> tags() {
    return List.of(Tag.builder().key(COMPONENT_TAG).value("builder").build(),
        Tag.builder().key(VERSION_TAG).value(String.valueOf(VERSION)).build());
  }
}
