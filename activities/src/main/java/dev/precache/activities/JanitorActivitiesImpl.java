package dev.precache.activities;

import dev.precache.workflows.BuilderActivities;
import dev.precache.workflows.JanitorActivities;
import dev.precache.workflows.Leftover;
import dev.precache.workflows.Leftover.Kind;
import dev.precache.workflows.SnapshotLifecycle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DeleteVolumeRequest;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeSnapshotsRequest;
import software.amazon.awssdk.services.ec2.model.DescribeVolumesRequest;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TerminateInstancesRequest;
import software.amazon.awssdk.services.ssm.model.DeleteParameterRequest;
import software.amazon.awssdk.services.ssm.model.GetParametersByPathRequest;

/** The janitor's view of one region: only what carries precache's build tags, and how each kind is removed. */
public final class JanitorActivitiesImpl implements JanitorActivities {

  private static final Logger log = LoggerFactory.getLogger(JanitorActivitiesImpl.class);
  private static final String BUILD_ID_TAG = SnapshotActivitiesImpl.BUILD_ID_TAG;
  private static final String WORKFLOW_ID_TAG = SnapshotActivitiesImpl.WORKFLOW_ID_TAG;
  private static final String CREDENTIALS_PATH = "/precache/builds/";

  private final AwsClients clients;
  private final Polling polling;
  /** Stack deletion waits as a build's teardown does. */
  private final StackActivitiesImpl stacks;

  public JanitorActivitiesImpl(AwsClients clients, Duration pollInterval) {
    this.clients = clients;
    this.polling = new Polling(pollInterval);
    this.stacks = new StackActivitiesImpl(clients, pollInterval);
  }

  @Override
  public List<Leftover> findLeftovers(String region) {
    try {
      List<Leftover> found = new ArrayList<>();
      found.addAll(polling.untilAnswered("list build stacks in " + region, region, () -> stacks(region)));
      found.addAll(polling.untilAnswered("list build instances in " + region, region, () -> instances(region)));
      found.addAll(polling.untilAnswered("list build volumes in " + region, region, () -> volumes(region)));
      found.addAll(polling.untilAnswered("list build parameters in " + region, region, () -> parameters(region)));
      found.addAll(polling.untilAnswered("list failed builds' snapshots in " + region, region,
          () -> failedSnapshots(region)));
      log.info("Janitor: {} precache resource(s) of builds in {}", found.size(), region);
      return found;
    } catch (SdkException e) {
      throw AwsFailures.classify("find leftovers in " + region, e);
    }
  }

  /**
   * ListStacks names the stacks (no outputs, parameters or tags: IAM grants it on "*" only); only a build's
   * ({@code precache-*}) is then described for its tags, so DescribeStacks stays on precache's stacks. A stack
   * gone between the two calls is no leftover.
   */
  private List<Leftover> stacks(String region) {
    CloudFormationClient cloudFormation = clients.cloudFormation(region);
    return cloudFormation.listStacksPaginator(b -> {}).stackSummaries().stream()
        .filter(summary -> summary.stackName().startsWith("precache-")
            && !BuilderActivities.STACK_NAME.equals(summary.stackName())
            && summary.stackStatus() != StackStatus.DELETE_COMPLETE)
        .map(summary -> StackActivitiesImpl.describe(cloudFormation, summary.stackName()))
        .filter(stack -> stack != null && stack.stackStatus() != StackStatus.DELETE_COMPLETE)
        .map(stack -> Map.entry(stack, stackTags(stack)))
        .filter(entry -> entry.getValue().containsKey(BUILD_ID_TAG))
        .map(entry -> new Leftover(Kind.STACK, entry.getKey().stackName(), region, entry.getValue().get(BUILD_ID_TAG),
            entry.getValue().get(WORKFLOW_ID_TAG), entry.getKey().creationTime()))
        .toList();
  }

  private static Map<String, String> stackTags(Stack stack) {
    return stack.tags().stream().collect(Collectors.toMap(
        software.amazon.awssdk.services.cloudformation.model.Tag::key,
        software.amazon.awssdk.services.cloudformation.model.Tag::value, (a, b) -> b));
  }

  private List<Leftover> instances(String region) {
    return clients.ec2(region).describeInstancesPaginator(DescribeInstancesRequest.builder().filters(
            buildTagged(), Filter.builder().name("instance-state-name")
                .values("pending", "running", "stopping", "stopped").build()).build())
        .reservations().stream().flatMap(reservation -> reservation.instances().stream())
        .map(instance -> new Leftover(Kind.INSTANCE, instance.instanceId(), region,
            ec2Tags(instance.tags()).get(BUILD_ID_TAG), ec2Tags(instance.tags()).get(WORKFLOW_ID_TAG),
            instance.launchTime()))
        .toList();
  }

  /** Attached volumes go with their instance; an available one is on its own. */
  private List<Leftover> volumes(String region) {
    return clients.ec2(region).describeVolumesPaginator(DescribeVolumesRequest.builder().filters(buildTagged(),
            Filter.builder().name("status").values("available").build()).build())
        .volumes().stream()
        .map(volume -> new Leftover(Kind.VOLUME, volume.volumeId(), region, ec2Tags(volume.tags()).get(BUILD_ID_TAG),
            ec2Tags(volume.tags()).get(WORKFLOW_ID_TAG), volume.createTime()))
        .toList();
  }

  private List<Leftover> parameters(String region) {
    return clients.ssm(region).getParametersByPathPaginator(GetParametersByPathRequest.builder()
            .path(CREDENTIALS_PATH).recursive(true).build())
        .stream().flatMap(page -> page.parameters().stream())
        .map(parameter -> new Leftover(Kind.PARAMETER, parameter.name(), region,
            parameter.name().substring(CREDENTIALS_PATH.length()).split("/")[0], null, parameter.lastModifiedDate()))
        .toList();
  }

  private List<Leftover> failedSnapshots(String region) {
    return clients.ec2(region).describeSnapshotsPaginator(DescribeSnapshotsRequest.builder().ownerIds("self")
            .filters(Filter.builder().name("tag:" + SnapshotLifecycle.STATE).values(SnapshotLifecycle.FAILED).build()).build())
        .snapshots().stream()
        .map(snapshot -> new Leftover(Kind.SNAPSHOT, snapshot.snapshotId(), region,
            ec2Tags(snapshot.tags()).get(BUILD_ID_TAG), ec2Tags(snapshot.tags()).get(WORKFLOW_ID_TAG),
            snapshot.startTime()))
        .toList();
  }

  private static Filter buildTagged() {
    return Filter.builder().name("tag-key").values(BUILD_ID_TAG).build();
  }

  private static Map<String, String> ec2Tags(List<Tag> tags) {
    return tags.stream().collect(Collectors.toMap(Tag::key, Tag::value, (a, b) -> b));
  }

  @Override
  public void removeLeftover(Leftover leftover) {
    String region = leftover.region();
    String what = leftover.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + leftover.id();
    log.info("Janitor: removing {} of build {} in {}", what, leftover.buildId(), region);
    if (leftover.kind() == Kind.STACK) {
      stacks.deleteStack(region, leftover.id());
      return;
    }
    Ec2Client ec2 = clients.ec2(region);
    try {
      polling.untilAnswered("remove " + what, leftover.id(), () -> {
        try {
          switch (leftover.kind()) {
            case INSTANCE -> ec2.terminateInstances(TerminateInstancesRequest.builder().instanceIds(leftover.id()).build());
            case VOLUME -> ec2.deleteVolume(DeleteVolumeRequest.builder().volumeId(leftover.id()).build());
            case PARAMETER -> clients.ssm(region).deleteParameter(DeleteParameterRequest.builder()
                .name(leftover.id()).build());
            case SNAPSHOT -> SnapshotActivitiesImpl.deleteSnapshot(ec2, leftover.id());
            case STACK -> throw new IllegalStateException("stacks are deleted above");
          }
        } catch (AwsServiceException e) {
          String code = AwsFailures.errorCode(e);
          if (code == null || !(code.endsWith(".NotFound") || code.equals("ParameterNotFound"))) {
            throw e;
          }
          log.info("Janitor: {} already gone", what);
        }
        return null;
      });
    } catch (SdkException e) {
      throw AwsFailures.classify("remove " + what, e);
    }
  }
}
