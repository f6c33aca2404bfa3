package dev.precache.activities;

import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.InstanceCapacity;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
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
 * {@code BaselineBandwidthInGbps} and {@code PeakBandwidthInGbps}.
 */
final class InstanceTypeLookup {
  private final AwsClients clients;

  InstanceTypeLookup(AwsClients clients) {
    this.clients = clients;
  }

  InstanceCapacity.Family describe(String region, String instanceType) {
    Ec2Client ec2 = clients.ec2(region);
    try {
      InstanceCapacity instance = ec2.describeInstanceTypes(DescribeInstanceTypesRequest.builder()
              .instanceTypesWithStrings(instanceType).build())
          .instanceTypes().stream().findFirst().map(InstanceTypeLookup::capacity)
          .orElseThrow(() -> notOffered(instanceType, region));
      String family = InstanceCapacity.familyOf(instanceType) + ".*";
      List<InstanceCapacity> members = ec2.describeInstanceTypesPaginator(DescribeInstanceTypesRequest.builder()
              .filters(Filter.builder().name("instance-type").values(family).build()).build())
          .instanceTypes().stream().map(InstanceTypeLookup::capacity).toList();
      return new InstanceCapacity.Family(instance, members);
    } catch (AwsServiceException e) {
      if ("InvalidInstanceType".equals(AwsFailures.errorCode(e))) {
        throw notOffered(instanceType, region);
      }
      throw AwsFailures.classify("describe instance type " + instanceType, e);
    } catch (SdkException e) {
      throw AwsFailures.classify("describe instance type " + instanceType, e);
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
