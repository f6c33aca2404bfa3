package dev.precache.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code aws ec2 describe-instance-types} (AWS CLI v2) against the simulator: the shape the CLI parses. Debian's
 * CLI (2.9) predates the cards' baseline and peak fields and drops them; {@link InstanceTypesSdkTest} reads those.
 */
class InstanceTypesCliTest {
    private static SimulatorServer server;
    private static AwsCli aws;

    @BeforeAll
    static void startSimulator() throws IOException {
        if (!AwsCli.installed()) {
            String banner = "AWS CLI v2 not found at " + AwsCli.EXECUTABLE + ": instance type CLI tests NOT RUN";
            if ("true".equals(System.getenv("CI"))) {
                fail(banner);
            }
            Assumptions.abort(banner);
        }
        server = SimulatorServer.ephemeral(0.001).start();
        aws = new AwsCli(server.endpoint());
    }

    @AfterAll
    static void stopSimulator() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void namedTypeCarriesVcpusBaselineAndPeak() {
        JsonNode types = aws.json("ec2", "describe-instance-types", "--instance-types", "m5.large", "g5.2xlarge")
                .path("InstanceTypes");
        assertThat(types).hasSize(2);
        JsonNode m5 = byName(types, "m5.large");
        assertThat(m5.path("VCpuInfo").path("DefaultVCpus").asInt()).isEqualTo(2);
        assertThat(m5.path("NetworkInfo").path("NetworkPerformance").asText()).isEqualTo("Up to 10 Gigabit");
        JsonNode card = m5.path("NetworkInfo").path("NetworkCards").get(0);
        assertThat(card.path("NetworkCardIndex").asInt()).isZero();
        assertThat(card.path("NetworkPerformance").asText()).isEqualTo("Up to 10 Gigabit");
        assertThat(m5.path("ProcessorInfo").path("SupportedArchitectures").get(0).asText()).isEqualTo("x86_64");
        assertThat(m5.has("GpuInfo")).isFalse();

        JsonNode g5 = byName(types, "g5.2xlarge");
        assertThat(g5.path("VCpuInfo").path("DefaultVCpus").asInt()).isEqualTo(8);
        assertThat(g5.path("NetworkInfo").path("MaximumNetworkCards").asInt()).isEqualTo(1);
        JsonNode gpu = g5.path("GpuInfo").path("Gpus").get(0);
        assertThat(gpu.path("Name").asText()).isEqualTo("A10G");
        assertThat(gpu.path("Count").asInt()).isEqualTo(1);
    }

    @Test
    void wildcardFilterSelectsTheFamilyAndMultiCardTypesSumTheirCards() {
        JsonNode m5 = aws.json("ec2", "describe-instance-types", "--filters", "Name=instance-type,Values=m5.*");
        List<String> names = names(m5.path("InstanceTypes"));
        assertThat(names).contains("m5.large", "m5.4xlarge", "m5.24xlarge").allMatch(name -> name.startsWith("m5."));
        JsonNode fixed = byName(m5.path("InstanceTypes"), "m5.24xlarge").path("NetworkInfo");
        assertThat(fixed.path("NetworkPerformance").asText()).isEqualTo("25 Gigabit");
        assertThat(fixed.path("NetworkCards").get(0).path("NetworkPerformance").asText()).isEqualTo("25 Gigabit");

        JsonNode p4d = aws.json("ec2", "describe-instance-types", "--filters", "Name=instance-type,Values=p4?.24xlarge")
                .path("InstanceTypes");
        assertThat(names(p4d)).containsExactly("p4d.24xlarge");
        assertThat(p4d.get(0).path("NetworkInfo").path("NetworkPerformance").asText()).isEqualTo("4x 100 Gigabit");
        assertThat(p4d.get(0).path("NetworkInfo").path("NetworkCards")).hasSize(4);
    }

    @Test
    void pagesAreJoinedByTheCliAndEachPageHonoursMaxResults() {
        List<String> all = names(aws.json("ec2", "describe-instance-types").path("InstanceTypes"));
        assertThat(all).hasSizeGreaterThan(10).doesNotHaveDuplicates();
        // --page-size makes the CLI ask 5 at a time and follow nextToken: same set, in the same order.
        List<String> paged = names(aws.json("ec2", "describe-instance-types", "--page-size", "5").path("InstanceTypes"));
        assertThat(paged).isEqualTo(all);
        JsonNode first = aws.json("ec2", "describe-instance-types", "--max-items", "5");
        assertThat(first.path("InstanceTypes")).hasSize(5);
        assertThat(first.path("NextToken").asText()).isNotBlank();
    }

    @Test
    void unknownTypeAndFilterAreRefusedAsEc2RefusesThem() {
        AwsCli.Result unknown = aws.run("ec2", "describe-instance-types", "--instance-types", "m5.huge");
        assertThat(unknown.exitCode()).isNotZero();
        assertThat(unknown.stderr()).contains("InvalidInstanceType").contains("m5.huge");
        AwsCli.Result badFilter = aws.run("ec2", "describe-instance-types", "--filters", "Name=colour,Values=red");
        assertThat(badFilter.exitCode()).isNotZero();
        assertThat(badFilter.stderr()).contains("InvalidParameterValue").contains("colour");
    }

    private static JsonNode byName(JsonNode types, String name) {
        for (JsonNode type : types) {
            if (type.path("InstanceType").asText().equals(name)) {
                return type;
            }
        }
        throw new AssertionError(name + " not in " + types);
    }

    private static List<String> names(JsonNode types) {
        List<String> names = new ArrayList<>();
        types.forEach(type -> names.add(type.path("InstanceType").asText()));
        return names;
    }
}
