package dev.precache.activities;

import dev.precache.workflows.LifecycleTags;
import dev.precache.workflows.PublishActivities;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.model.CreateTagsRequest;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ssm.model.ParameterType;
import software.amazon.awssdk.services.ssm.model.PutParameterRequest;

/** Publishes the snapshot ID to Parameter Store, where Karpenter node classes and launch templates read it. */
public final class PublishActivitiesImpl implements PublishActivities {

  private static final Logger log = LoggerFactory.getLogger(PublishActivitiesImpl.class);

  private final AwsClients clients;
  private final Polling polling;

  /** @param pollInterval the first pause after a refused try, backing off from there (5 s in production) */
  public PublishActivitiesImpl(AwsClients clients, Duration pollInterval) {
    this.clients = clients;
    this.polling = new Polling(pollInterval);
  }

  /** PutParameter with overwrite is idempotent: throttling and 5xx are ridden out here, not by a new attempt. */
  @Override
  public void publishSnapshotId(String region, String parameterName, String snapshotId) {
    PutParameterRequest request = PutParameterRequest.builder()
        .name(parameterName)
        .type(ParameterType.STRING)
        .overwrite(true)
        .value(snapshotId)
        .build();
    try {
      polling.untilAnswered("publish " + snapshotId + " to " + parameterName, parameterName,
          () -> clients.ssm(region).putParameter(request));
      // Retention reads the parameter back from this tag, wherever it lives, to keep what it names.
      CreateTagsRequest tag = CreateTagsRequest.builder().resources(snapshotId)
          .tags(Tag.builder().key(LifecycleTags.PUBLISHED).value(parameterName).build()).build();
      polling.untilAnswered("tag " + snapshotId + " published", parameterName, () -> clients.ec2(region).createTags(tag));
      log.info("Published {} to {}", snapshotId, parameterName);
    } catch (SdkException e) {
      throw AwsFailures.classify("publish " + snapshotId + " to " + parameterName, e);
    }
  }
}
