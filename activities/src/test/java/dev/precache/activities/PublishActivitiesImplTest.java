package dev.precache.activities;

import static dev.precache.activities.ActivityTesting.REGION;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterType;
import software.amazon.awssdk.services.ssm.model.PutParameterRequest;

class PublishActivitiesImplTest {

  @Test
  void publishesTheSnapshotIdAsAStringParameterOverwritingThePreviousOne() {
    SsmClient ssm = mock(SsmClient.class);
    AwsClients clients = mock(AwsClients.class);
    when(clients.ssm(REGION)).thenReturn(ssm);

    new PublishActivitiesImpl(clients).publishSnapshotId(REGION, "/karpenter/gpu/snapshot-id", "snap-1");

    verify(ssm).putParameter(PutParameterRequest.builder()
        .name("/karpenter/gpu/snapshot-id").type(ParameterType.STRING).overwrite(true).value("snap-1").build());
  }
}
