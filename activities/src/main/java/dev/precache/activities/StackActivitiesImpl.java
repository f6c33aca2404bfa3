package dev.precache.activities;

import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.BuildIdentity;
import dev.precache.workflows.BuildTimeouts;
import dev.precache.workflows.StackActivities;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.AlreadyExistsException;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.CreateStackRequest;
import software.amazon.awssdk.services.cloudformation.model.DeleteStackRequest;
import software.amazon.awssdk.services.cloudformation.model.DescribeStackEventsRequest;
import software.amazon.awssdk.services.cloudformation.model.DescribeStacksRequest;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackEvent;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;
import software.amazon.awssdk.services.cloudformation.model.Tag;

/** The build instance's CloudFormation stack: create and wait, delete and wait. */
public final class StackActivitiesImpl implements StackActivities {

  private static final Logger log = LoggerFactory.getLogger(StackActivitiesImpl.class);

  static final String BUILD_ID_TAG = "precache:build-id";
  private static final String INSTANCE_ID_OUTPUT = "InstanceId";

  private final AwsClients clients;
  private final Polling polling;

  /** @param pollInterval how often the stack's status is read while waiting (5 s in production) */
  public StackActivitiesImpl(AwsClients clients, Duration pollInterval) {
    this.clients = clients;
    this.polling = new Polling(pollInterval);
  }

  @Override
  public StackOutputs deployStack(StackSpec spec) {
    BuildIdentity identity = spec.identity();
    String region = spec.request().region();
    String stackName = identity.stackName();
    CloudFormationClient cloudFormation = clients.cloudFormation(region);
    try {
      createStack(cloudFormation, spec);
      String status = StackStatus.CREATE_IN_PROGRESS.toString();
      Polling.Wait wait = polling.newWait();
      while (true) {
        Stack stack = polling.untilAnswered("describe stack " + stackName, status,
            () -> describe(cloudFormation, stackName));
        if (stack == null) {
          throw ApplicationFailure.newNonRetryableFailure(
              "stack " + stackName + " disappeared while it was being created", BuildFailures.STACK_FAILED);
        }
        status = stack.stackStatusAsString();
        switch (stack.stackStatus()) {
          case CREATE_COMPLETE -> {
            StackOutputs outputs = new StackOutputs(stack.stackId(), instanceId(stack));
            log.info("Stack {} is up: instance {}", stackName, outputs.instanceId());
            return outputs;
          }
          case CREATE_IN_PROGRESS -> wait.pause(status);
          default -> throw ApplicationFailure.newNonRetryableFailure(
              "stack " + stackName + " failed (" + status + "): " + creationFailure(cloudFormation, stackName),
              BuildFailures.STACK_FAILED);
        }
      }
    } catch (SdkException e) {
      throw AwsFailures.classify("deploy stack " + stackName, e);
    }
  }

  /**
   * Asks CloudFormation to create the stack until it accepts, within {@link BuildTimeouts#STACK_CREATION_WINDOW}
   * of this attempt's start: throttling and 5xx are ridden out here, heartbeating between calls, so a cancelled
   * build stops asking at the next heartbeat and no call is made after the window, which teardown relies on.
   */
  private void createStack(CloudFormationClient cloudFormation, StackSpec spec) {
    BuildIdentity identity = spec.identity();
    CreateStackRequest request = CreateStackRequest.builder()
        .stackName(identity.stackName())
        .templateBody(BuildInstanceTemplate.body())
        .parameters(BuildInstanceTemplate.parameters(identity, spec.request(), spec.instanceProfileName(),
            spec.dataSnapshotId(), spec.dataVolumeInitializationRateMiBps(), spec.pullTuning()))
        .capabilities(Capability.CAPABILITY_IAM, Capability.CAPABILITY_NAMED_IAM)
        .clientRequestToken(identity.clientRequestToken())
        .tags(tags(identity, spec.request().tags()))
        .overrideConfiguration(o -> o.apiCallTimeout(BuildTimeouts.CREATE_STACK_CALL_TIMEOUT))
        .build();
    long windowEnds = System.nanoTime() + BuildTimeouts.STACK_CREATION_WINDOW.toNanos();
    // 1 s doubling to 8 s at the production poll interval (5 s); on the poll interval's clock, so a simulator
    // running faster than real time asks as often on its own clock.
    Duration maxPause = polling.interval().multipliedBy(8).dividedBy(5);
    Duration pause = polling.interval().dividedBy(5);
    while (true) {
      Activity.getExecutionContext().heartbeat("CreateStack");
      try {
        cloudFormation.createStack(request);
        log.info("Creating stack {} in {}", identity.stackName(), spec.request().region());
        return;
      } catch (AlreadyExistsException e) {
        // The stack name belongs to this build run alone: an earlier attempt created it, so wait for it.
        log.info("Stack {} already exists; waiting for it", identity.stackName());
        return;
      } catch (SdkException e) {
        ApplicationFailure failure = AwsFailures.classify("create stack " + identity.stackName(), e);
        if (failure.isNonRetryable() || System.nanoTime() + pause.toNanos() >= windowEnds) {
          throw failure;
        }
        log.info("CreateStack {} refused, asking again in {} ms: {}", identity.stackName(), pause.toMillis(),
            e.getMessage());
        polling.heartbeatAndWait("CreateStack refused: " + e.getMessage(), pause);
        pause = pause.multipliedBy(2).compareTo(maxPause) > 0 ? maxPause : pause.multipliedBy(2);
      }
    }
  }

  private static List<Tag> tags(BuildIdentity identity, Map<String, String> requestTags) {
    Map<String, String> tags = new TreeMap<>(requestTags == null ? Map.of() : requestTags);
    tags.put(BUILD_ID_TAG, identity.buildId());
    // The janitor asks Temporal about this workflow before it removes a stack whose build it cannot see.
    tags.put(SnapshotActivitiesImpl.WORKFLOW_ID_TAG, identity.workflowId());
    List<Tag> result = new ArrayList<>();
    tags.forEach((key, value) -> result.add(Tag.builder().key(key).value(value).build()));
    return result;
  }

  private static String instanceId(Stack stack) {
    return stack.outputs().stream()
        .filter(output -> INSTANCE_ID_OUTPUT.equals(output.outputKey()))
        .map(Output::outputValue)
        .findFirst()
        .orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
            "stack " + stack.stackName() + " has no output " + INSTANCE_ID_OUTPUT, BuildFailures.STACK_FAILED));
  }

  /**
   * The root cause of a failed creation: the oldest resource event with a *_FAILED status (later ones are
   * mostly "Resource creation cancelled" of the resources CloudFormation gave up on).
   */
  static String creationFailure(CloudFormationClient cloudFormation, String stackName) {
    List<StackEvent> oldestFirst = new ArrayList<>(resourceEvents(cloudFormation, stackName));
    Collections.reverse(oldestFirst);
    return describeFailure(oldestFirst, "_FAILED");
  }

  /** Why a deletion failed: the newest resource event with status DELETE_FAILED. */
  private static String deletionFailure(CloudFormationClient cloudFormation, String stackName) {
    return describeFailure(resourceEvents(cloudFormation, stackName), "DELETE_FAILED");
  }

  /** The first page of the stack's events (newest first) without the stack's own: plenty for a few resources. */
  private static List<StackEvent> resourceEvents(CloudFormationClient cloudFormation, String stackName) {
    return cloudFormation.describeStackEvents(DescribeStackEventsRequest.builder().stackName(stackName).build()).stackEvents().stream()
        .filter(event -> !"AWS::CloudFormation::Stack".equals(event.resourceType()))
        .toList();
  }

  private static String describeFailure(List<StackEvent> events, String statusSuffix) {
    return events.stream()
        .filter(event -> event.resourceStatusAsString() != null
            && event.resourceStatusAsString().endsWith(statusSuffix))
        .findFirst()
        .map(event -> event.logicalResourceId() + " (" + event.resourceType() + "): " + event.resourceStatusReason())
        .orElse("no failed resource reported");
  }

  @Override
  public void deleteStack(String region, String stackName) {
    CloudFormationClient cloudFormation = clients.cloudFormation(region);
    try {
      polling.untilAnswered("delete stack " + stackName, "DeleteStack",
          () -> cloudFormation.deleteStack(DeleteStackRequest.builder().stackName(stackName).build()));
      log.info("Deleting stack {} in {}", stackName, region);
      Polling.Wait wait = polling.newWait();
      while (true) {
        Stack stack = polling.untilAnswered("describe stack " + stackName, "DELETE_IN_PROGRESS",
            () -> describe(cloudFormation, stackName));
        if (stack == null || stack.stackStatus() == StackStatus.DELETE_COMPLETE) {
          log.info("Stack {} is deleted", stackName);
          return;
        }
        if (stack.stackStatus() == StackStatus.DELETE_FAILED) {
          // Retryable: the next attempt calls DeleteStack again, which retries the resources that failed.
          throw ApplicationFailure.newFailure(
              "deleting stack " + stackName + " failed: " + deletionFailure(cloudFormation, stackName),
              "StackDeleteFailed");
        }
        wait.pause(stack.stackStatusAsString());
      }
    } catch (SdkException e) {
      throw AwsFailures.classify("delete stack " + stackName, e);
    }
  }

  /** The stack, or null when CloudFormation says it does not exist (any more). */
  static Stack describe(CloudFormationClient cloudFormation, String stackName) {
    try {
      return cloudFormation.describeStacks(DescribeStacksRequest.builder().stackName(stackName).build()).stacks().get(0);
    } catch (CloudFormationException e) {
      if (isStackMissing(e)) {
        return null;
      }
      throw e;
    }
  }

  private static boolean isStackMissing(CloudFormationException e) {
    return "ValidationError".equals(AwsFailures.errorCode(e))
        && e.awsErrorDetails().errorMessage() != null
        && e.awsErrorDetails().errorMessage().contains("does not exist");
  }
}
