package dev.precache.activities;

import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.InstanceCapacity;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeInstanceTypesRequest;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.InstanceTypeInfo;
import software.amazon.awssdk.services.ec2.model.NetworkCardInfo;

/**
 * An instance type's vCPUs and network bandwidth from EC2's DescribeInstanceTypes, and those of its family
 * ({@code instance-type} filter {@code m5.*}, which EC2 matches with wildcards). Network figures sum the cards'
 * {@code BaselineBandwidthInGbps} and {@code PeakBandwidthInGbps}. Both reads ride out throttling and 5xx
 * ({@link Polling#untilAnswered}): one refused call would otherwise fail the activity and wait out Temporal's backoff.
 */
final class InstanceTypeLookup {
  private final AwsClients clients;
  private final Polling polling;

  InstanceTypeLookup(AwsClients clients, Polling polling) {
    this.clients = clients;
    this.polling = polling;
  }

  InstanceCapacity.Family describe(String region, String instanceType) {
    Ec2Client ec2 = clients.ec2(region);
    String step = "describe instance type " + instanceType;
    try {
      InstanceCapacity instance = polling.untilAnswered(step, step, () -> offered(instanceType, region,
              () -> ec2.describeInstanceTypes(DescribeInstanceTypesRequest.builder()
                  .instanceTypesWithStrings(instanceType).build()).instanceTypes()))
          .stream().findFirst().map(InstanceTypeLookup::capacity)
          .orElseThrow(() -> notOffered(instanceType, region));
      String family = InstanceCapacity.familyOf(instanceType) + ".*";
      List<InstanceCapacity> members = polling.untilAnswered(step + ": its family", step,
          () -> ec2.describeInstanceTypesPaginator(DescribeInstanceTypesRequest.builder()
                  .filters(Filter.builder().name("instance-type").values(family).build()).build())
              .instanceTypes().stream().map(InstanceTypeLookup::capacity).toList());
      return new InstanceCapacity.Family(instance, members);
    } catch (SdkException e) {
      throw AwsFailures.classify(step, e);
    }
  }

  /** EC2's answer, or the failure that the type does not exist (InvalidInstanceType), which is not retried. */
  private static <T> T offered(String instanceType, String region, Supplier<T> call) {
    try {
      return call.get();
    } catch (AwsServiceException e) {
      if ("InvalidInstanceType".equals(AwsFailures.errorCode(e))) {
        throw notOffered(instanceType, region);
      }
      throw e;
    }
  }

  static InstanceCapacity capacity(InstanceTypeInfo type) {
    List<NetworkCardInfo> cards = type.networkInfo() == null ? List.of() : type.networkInfo().networkCards();
    double baseline = cards.stream().mapToDouble(card -> orZero(card.baselineBandwidthInGbps())).sum();
    double peak = cards.stream().mapToDouble(card -> orZero(card.peakBandwidthInGbps())).sum();
    return new InstanceCapacity(type.instanceTypeAsString(), type.vCpuInfo().defaultVCpus(), baseline,
        Math.max(baseline, peak));
  }

  private static double orZero(Double gbps) {
    return gbps == null ? 0 : gbps;
  }

  private static ApplicationFailure notOffered(String instanceType, String region) {
    return ApplicationFailure.newNonRetryableFailure("instance type " + instanceType + " does not exist in " + region,
        BuildFailures.INVALID_REQUEST);
  }
}
