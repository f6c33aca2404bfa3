package dev.precache.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.InstanceTypeInfo;
import software.amazon.awssdk.services.ec2.model.NetworkCardInfo;

/** DescribeInstanceTypes through the AWS SDK v2, as precache's activities call it. */
class InstanceTypesSdkTest extends SdkOverHttpTest {

    @Test
    void familyFilterPagedBySdkPaginator() {
        List<InstanceTypeInfo> g5 = ec2.describeInstanceTypesPaginator(r -> r.maxResults(5)
                .filters(Filter.builder().name("instance-type").values("g5.*").build())).instanceTypes().stream().toList();
        assertThat(g5).extracting(InstanceTypeInfo::instanceTypeAsString)
                .containsExactlyInAnyOrder("g5.xlarge", "g5.2xlarge", "g5.4xlarge", "g5.8xlarge", "g5.12xlarge",
                        "g5.48xlarge");
        InstanceTypeInfo fourX = g5.stream().filter(t -> t.instanceTypeAsString().equals("g5.4xlarge")).findFirst()
                .orElseThrow();
        NetworkCardInfo card = fourX.networkInfo().networkCards().get(0);
        assertThat(card.baselineBandwidthInGbps()).isEqualTo(10.0);
        assertThat(card.peakBandwidthInGbps()).isEqualTo(25.0);
        assertThat(fourX.vCpuInfo().defaultVCpus()).isEqualTo(16);
        assertThat(fourX.gpuInfo().gpus().get(0).name()).isEqualTo("A10G");
    }

    @Test
    void cardsCarryBaselineAndPeak() {
        InstanceTypeInfo m5 = ec2.describeInstanceTypes(r -> r.instanceTypesWithStrings("m5.large")).instanceTypes().get(0);
        NetworkCardInfo card = m5.networkInfo().networkCards().get(0);
        assertThat(card.baselineBandwidthInGbps()).isEqualTo(0.75);
        assertThat(card.peakBandwidthInGbps()).isEqualTo(10.0);
        assertThat(m5.gpuInfo()).isNull();
    }

    @Test
    void pageSizeOutsideFiveToHundredIsRefused() {
        assertThatThrownBy(() -> ec2.describeInstanceTypes(r -> r.maxResults(2)))
                .isInstanceOfSatisfying(Ec2Exception.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidParameterValue"));
    }

    @Test
    void unknownTypeIsInvalidInstanceType() {
        assertThatThrownBy(() -> ec2.describeInstanceTypes(r -> r.instanceTypesWithStrings("x9.large")))
                .isInstanceOfSatisfying(Ec2Exception.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidInstanceType"));
    }
}
