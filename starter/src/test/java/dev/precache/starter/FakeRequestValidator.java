package dev.precache.starter;

import dev.precache.workflows.BuildRequest;
import java.time.Duration;
import java.util.List;

/**
 * TEST PLACEHOLDER for {@code dev.precache.workflows.BuildRequestValidator}, which is merged from another branch:
 * fills snapshot.sh's defaults and rejects an out-of-range snapshot size, as the real one does. Once the real
 * validator is here, the tests should use {@link StarterWiring#requestNormalizer()} and this class goes.
 */
final class FakeRequestValidator implements RequestNormalizer {

  @Override
  public BuildRequest normalize(BuildRequest r) throws RejectedFieldException {
    if (r.volumeSizeGiB() != null && (r.volumeSizeGiB() < 1 || r.volumeSizeGiB() > 65_536)) {
      throw new RejectedFieldException("volumeSizeGiB", "must be between 1 and 65536 GiB, was " + r.volumeSizeGiB());
    }
    return new BuildRequest(
        r.name() == null ? "build" : r.name(),
        r.region() == null ? "us-west-2" : r.region(),
        r.images(),
        r.platforms() == null ? List.of("linux/amd64") : r.platforms(),
        r.amiParameter() == null ? "/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest/image_id" : r.amiParameter(),
        r.instanceType() == null ? "m5.large" : r.instanceType(),
        r.encrypt(), r.kmsKeyId(),
        r.volumeSizeGiB() == null ? 50 : r.volumeSizeGiB(),
        r.instanceRole(), r.securityGroupId(), r.subnetId(), r.outputParameterName(), r.publicIp(), r.tags(),
        r.timeout() == null ? Duration.ofHours(3) : r.timeout(),
        r.pullParallelism() == null ? 4 : r.pullParallelism(),
        r.volumeThroughputMiBps(), r.volumeIops());
  }
}
