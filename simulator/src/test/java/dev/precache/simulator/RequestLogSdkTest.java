package dev.precache.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.simulator.RequestLog.Call;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.model.Tag;
import software.amazon.awssdk.services.ssm.model.ParameterType;

/** What the request log keeps of each call, as the SDK sends it: flat parameters and the named resources' tags. */
class RequestLogSdkTest extends SdkOverHttpTest {

    private static final String TEMPLATE = "Resources:\n  Nothing:\n    Type: AWS::CloudFormation::WaitConditionHandle\n";

    @Test
    void aCallNamingAStackRecordsItsTagsAsTheyWereBeforeTheCall() {
        cfn.createStack(r -> r.stackName("precache-logged").templateBody(TEMPLATE)
                .tags(Tag.builder().key("precache:build-id").value("b-1").build()));
        cfn.deleteStack(r -> r.stackName("precache-logged"));
        cfn.deleteStack(r -> r.stackName("precache-never-made"));

        Call create = server.cloud().requests().calls("cloudformation", "CreateStack").get(0);
        assertThat(create.parameters()).containsEntry("StackName", "precache-logged")
                .containsEntry("Tags.member.1.Key", "precache:build-id").containsEntry("Tags.member.1.Value", "b-1")
                .as("no template body").doesNotContainKey("TemplateBody");
        assertThat(create.resourceTags()).as("the stack did not exist yet").isEmpty();
        assertThat(server.cloud().requests().calls("cloudformation", "DeleteStack"))
                .extracting(Call::resourceTags)
                .containsExactly(Map.of("precache-logged", Map.of("precache:build-id", "b-1")), Map.of());
    }

    @Test
    void jsonRequestsAreFlattenedLikeQueryOnesAndParameterValuesAreLeftOut() {
        ssm.putParameter(r -> r.name("/precache/builds/b-1/pull-0").value("a-registry-password")
                .type(ParameterType.STRING));
        ssm.getParameters(r -> r.names("/precache/a", "/precache/b"));

        Call put = server.cloud().requests().calls("ssm", "PutParameter").get(0);
        assertThat(put.parameters()).containsEntry("Name", "/precache/builds/b-1/pull-0").doesNotContainKey("Value");
        assertThat(put.parameters().values()).doesNotContain("a-registry-password");
        assertThat(server.cloud().requests().calls("ssm", "GetParameters").get(0).parameters())
                .containsEntry("Names.1", "/precache/a").containsEntry("Names.2", "/precache/b");
    }
}
