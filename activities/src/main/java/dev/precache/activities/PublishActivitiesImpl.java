package dev.precache.activities;

import dev.precache.workflows.PublishActivities;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ssm.model.ParameterType;
import software.amazon.awssdk.services.ssm.model.PutParameterRequest;

/** Publishes the snapshot ID to Parameter Store, where Karpenter node classes and launch templates read it. */
public final class PublishActivitiesImpl implements PublishActivities {

  private static final Logger log = LoggerFactory.getLogger(PublishActivitiesImpl.class);

  private final AwsClients clients;

  public PublishActivitiesImpl(AwsClients clients) {
    this.clients = clients;
  }

  @Override
  public void publishSnapshotId(String region, String parameterName, String snapshotId) {
    try {
      clients.ssm(region).putParameter(PutParameterRequest.builder()
          .name(parameterName)
          .type(ParameterType.STRING)
          .overwrite(true)
          .value(snapshotId)
          .build());
      log.info("Published {} to {}", snapshotId, parameterName);
    } catch (SdkException e) {
      throw AwsFailures.classify("publish " + snapshotId + " to " + parameterName, e);
    }
  }
}
