package dev.precache.activities;

import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.InstanceCapacity;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeInstanceTypesRequest;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.InstanceTypeInfo;
import software.amazon.awssdk.services.ec2.model.NetworkCardInfo;

/**
 * An instance type's vCPUs and network bandwidth from EC2's DescribeInstanceTypes, and those of its family, in one
 * read: the family ({@code instance-type} filter {@code m5.*}, which EC2 matches with wildcards) holds the type, and a
 * type not among them does not exist. Network figures sum the cards' {@code BaselineBandwidthInGbps} and
 * {@code PeakBandwidthInGbps}. An instance type's figures do not change, so the worker keeps each region's answer
 * for good, and builds asking together share one read ({@link SharedCalls}): a worker's builds of one type cost one
 * read, not two each. The read rides out throttling and 5xx ({@link Polling#untilAnswered}): one refused call would
 * otherwise fail the activity and wait out Temporal's backoff.
 */
final class InstanceTypeLookup {
  private final AwsClients clients;
  private final SharedCalls<FamilyInRegion, List<InstanceCapacity>> families;

  private record FamilyInRegion(String region, String family) {}

  InstanceTypeLookup(AwsClients clients, Polling polling) {
    this.clients = clients;
    // Instance types are facts of EC2's: an answer once read is as good as a new one.
    this.families = new SharedCalls<>(polling, SharedCalls.FOREVER);
  }

  InstanceCapacity.Family describe(String region, String instanceType) {
    Ec2Client ec2 = clients.ec2(region);
    String step = "describe instance type " + instanceType;
    String family = InstanceCapacity.familyOf(instanceType);
    try {
      List<InstanceCapacity> members = families.read(new FamilyInRegion(region, family), SharedCalls.ANY, step, step,
          () -> ec2.describeInstanceTypesPaginator(DescribeInstanceTypesRequest.builder()
                  .filters(Filter.builder().name("instance-type").values(family + ".*").build()).build())
              .instanceTypes().stream().map(InstanceTypeLookup::capacity).toList()).value();
      InstanceCapacity instance = members.stream()
          .filter(member -> member.instanceType().equals(instanceType))
          .findFirst()
          .orElseThrow(() -> notOffered(instanceType, region));
      return new InstanceCapacity.Family(instance, members);
    } catch (SdkException e) {
      throw AwsFailures.classify(step, e);
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
