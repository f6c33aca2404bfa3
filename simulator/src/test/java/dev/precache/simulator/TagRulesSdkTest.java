package dev.precache.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.cloudformation.model.Tag;

/** The simulator refuses the tags AWS refuses, before it stores anything, as the SDK sees it over HTTP. */
class TagRulesSdkTest extends SdkOverHttpTest {

    private static final String TEMPLATE = "Resources:\n  Nothing:\n    Type: AWS::CloudFormation::WaitConditionHandle\n";

    @Test
    void aStackWithAControlCharacterInATagIsRefusedAndNotCreated() {
        AwsServiceException refused = catchThrowableOfType(AwsServiceException.class,
                () -> cfn.createStack(r -> r.stackName("precache-bel").templateBody(TEMPLATE)
                        .tags(Tag.builder().key("team").value("ml\u0007").build())));

        assertThat(refused.awsErrorDetails().errorCode()).isEqualTo("InvalidParameterValue");
        assertThat(cfn.listStacks().stackSummaries()).isEmpty();
    }

    @Test
    void ec2RefusesControlCharactersAwsPrefixesAndDuplicateKeys() {
        for (List<software.amazon.awssdk.services.ec2.model.Tag> tags : List.of(
                List.of(ec2Tag("te\u0007am", "x")),
                List.of(ec2Tag("team", "a\u001bb")),
                List.of(ec2Tag(" aws:owner", "x")),
                List.of(ec2Tag("team", "a"), ec2Tag("team", "b")),
                List.of(ec2Tag("k".repeat(129), "x")),
                List.of(ec2Tag("team", "v".repeat(257))))) {
            AwsServiceException refused = catchThrowableOfType(AwsServiceException.class,
                    () -> ec2.createTags(r -> r.resources("vol-0123456789abcdef0").tags(tags)));

            assertThat(refused).as(tags.toString()).isNotNull();
            assertThat(refused.awsErrorDetails().errorCode()).as(tags.toString()).isEqualTo("InvalidParameterValue");
        }
    }

    private static software.amazon.awssdk.services.ec2.model.Tag ec2Tag(String key, String value) {
        return software.amazon.awssdk.services.ec2.model.Tag.builder().key(key).value(value).build();
    }
}
