package dev.precache.activities;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.PullTuning;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.model.Parameter;

/** The template is plain YAML (long-form intrinsics) and everything it refers to exists. */
class BuildInstanceTemplateTest {

  private static final Set<String> PSEUDO_PARAMETERS =
      Set.of("AWS::NoValue", "AWS::Partition", "AWS::Region", "AWS::URLSuffix", "AWS::AccountId", "AWS::StackName");
  private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^}!]+)}");

  private final JsonNode template = parse(BuildInstanceTemplate.body());
  private final JsonNode builder = parse(BuildInstanceTemplate.read(BuilderActivitiesImpl.RESOURCE));

  @Test
  void everyRefAndSubVariableNamesAParameterResourceOrPseudoParameter() {
    Set<String> known = new HashSet<>(PSEUDO_PARAMETERS);
    template.get("Parameters").fieldNames().forEachRemaining(known::add);
    template.get("Resources").fieldNames().forEachRemaining(known::add);
    Set<String> referenced = new HashSet<>();
    collect(template, referenced, new HashSet<>(), new HashSet<>());

    assertThat(referenced).isNotEmpty();
    assertThat(known).containsAll(referenced);
  }

  @Test
  void everyConditionAndGetAttTargetExists() {
    Set<String> conditions = new HashSet<>();
    Set<String> getAttTargets = new HashSet<>();
    collect(template, new HashSet<>(), conditions, getAttTargets);
    template.get("Resources").forEach(resource -> {
      if (resource.has("Condition")) {
        conditions.add(resource.get("Condition").asText());
      }
    });

    Set<String> declaredConditions = new HashSet<>();
    template.get("Conditions").fieldNames().forEachRemaining(declaredConditions::add);
    Set<String> resources = new HashSet<>();
    template.get("Resources").fieldNames().forEachRemaining(resources::add);
    assertThat(declaredConditions).containsAll(conditions);
    assertThat(resources).containsAll(getAttTargets);
  }

  @Test
  void everyParameterTheActivitySendsIsDeclared() {
    BuildRequest request = new BuildRequest("gpu", "us-west-2", List.of("docker.io/library/busybox:latest"),
        List.of("linux/amd64"), "/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest/image_id", "m5.large",
        true, "alias/ebs", 100, "my-role", "sg-1", "subnet-1", null, true, Map.of(), null, 4, 500, 4000);

    List<Parameter> parameters = BuildInstanceTemplate.parameters(ActivityTesting.IDENTITY, request,
        "precache-builder-InstanceProfile-ABC", "snap-0123456789abcdef0", 300, new PullTuning(25, 16 << 20, 8));

    assertThat(parameters).hasSize(19);
    parameters.forEach(p -> assertThat(template.get("Parameters").has(p.parameterKey())).as(p.parameterKey()).isTrue());
  }

  @Test
  void theChosenVolumePerformanceBecomesTheStacksParameters() {
    BuildRequest chosen = BuildRequest.of("us-west-2", List.of("docker.io/library/busybox:latest"))
        .withVolumeSizeGiB(170).withVolumePerformance(1200, 5000);

    List<Parameter> parameters = BuildInstanceTemplate.parameters(ActivityTesting.IDENTITY, chosen, null, null, null,
        null);

    assertThat(parameters).extracting(Parameter::parameterKey, Parameter::parameterValue)
        .contains(org.assertj.core.groups.Tuple.tuple("VolumeThroughput", "1200"),
            org.assertj.core.groups.Tuple.tuple("VolumeIops", "5000"),
            org.assertj.core.groups.Tuple.tuple("VolumeSize", "170"));
    assertThat(parameters).extracting(Parameter::parameterKey)
        .doesNotContain("MaxConcurrentDownloads", "DownloadChunkSize", "MaxConcurrentUnpacks");
  }

  @Test
  void thePullTuningBecomesTheStacksParametersAndTheInstancesContainerRuntimeSettings() {
    BuildRequest request = BuildRequest.of("us-west-2", List.of("docker.io/library/busybox:latest"));

    List<Parameter> parameters = BuildInstanceTemplate.parameters(ActivityTesting.IDENTITY, request, null, null, null,
        new PullTuning(25, 16 << 20, 0));
    List<Parameter> parallel = BuildInstanceTemplate.parameters(ActivityTesting.IDENTITY, request, null, null, null,
        new PullTuning(25, 16 << 20, 8));

    assertThat(parameters).extracting(Parameter::parameterKey, Parameter::parameterValue)
        .contains(org.assertj.core.groups.Tuple.tuple("MaxConcurrentDownloads", "25"),
            org.assertj.core.groups.Tuple.tuple("DownloadChunkSize", "16777216"));
    assertThat(parameters).extracting(Parameter::parameterKey).doesNotContain("MaxConcurrentUnpacks");
    assertThat(parallel).extracting(Parameter::parameterKey, Parameter::parameterValue)
        .contains(org.assertj.core.groups.Tuple.tuple("MaxConcurrentUnpacks", "8"));
    JsonNode userData = template.at("/Resources/LaunchTemplate/Properties/LaunchTemplateData/UserData/Fn::Base64/Fn::If");
    assertThat(userData.get(0).asText()).isEqualTo("HasParallelUnpack");
    assertThat(userData.get(1).path("Fn::Sub").asText()).contains("[settings.container-runtime]\n",
        "max-concurrent-downloads = ${MaxConcurrentDownloads}\n",
        "concurrent-download-chunk-size = ${DownloadChunkSize}\n", "max-concurrent-unpacks = ${MaxConcurrentUnpacks}\n");
    JsonNode withoutUnpacks = userData.get(2).path("Fn::If");
    assertThat(withoutUnpacks.get(0).asText()).isEqualTo("HasPullTuning");
    assertThat(withoutUnpacks.get(1).path("Fn::Sub").asText()).contains("[settings.container-runtime]\n",
        "max-concurrent-downloads = ${MaxConcurrentDownloads}\n",
        "concurrent-download-chunk-size = ${DownloadChunkSize}\n").doesNotContain("unpacks");
    assertThat(withoutUnpacks.get(2).asText()).doesNotContain("container-runtime");
  }

  @Test
  void theDataVolumeIsXvdbAndTheInstanceIdIsAnOutput() {
    JsonNode mappings = template.at("/Resources/LaunchTemplate/Properties/LaunchTemplateData/BlockDeviceMappings");
    assertThat(mappings.findValuesAsText("DeviceName")).containsExactly("/dev/xvda", "/dev/xvdb");
    assertThat(template.at("/Resources/LaunchTemplate/Properties/LaunchTemplateData/MetadataOptions/HttpTokens")
        .asText()).isEqualTo("required");
    assertThat(template.at("/Parameters/AmiId/Default").asText())
        .isEqualTo("/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest/image_id");
    assertThat(template.at("/Outputs/InstanceId/Value/Ref").asText()).isEqualTo("Instance");
  }

  private static void collect(JsonNode node, Set<String> refs, Set<String> conditions, Set<String> getAttTargets) {
    if (node.isObject()) {
      node.fields().forEachRemaining(field -> {
        JsonNode value = field.getValue();
        switch (field.getKey()) {
          case "Ref" -> refs.add(value.asText());
          case "Fn::If" -> conditions.add(value.get(0).asText());
          case "Fn::GetAtt" -> getAttTargets.add(value.get(0).asText());
          case "Fn::Sub" -> {
            Matcher matcher = SUB_VARIABLE.matcher(value.asText());
            while (matcher.find()) {
              refs.add(matcher.group(1));
            }
          }
          default -> { }
        }
        collect(value, refs, conditions, getAttTargets);
      });
    } else if (node.isArray()) {
      node.forEach(child -> collect(child, refs, conditions, getAttTargets));
    }
  }

  @Test
  void withTheBuildersInstanceProfileTheStackMakesNoIam() {
    assertThat(template.at("/Conditions/CreateProfile/Fn::Equals").toString())
        .isEqualTo("[{\"Ref\":\"InstanceProfileName\"},\"\"]");
    // No role either when the profile is given: CreateRole requires CreateProfile.
    assertThat(template.at("/Conditions/CreateRole/Fn::And/0/Condition").asText()).isEqualTo("CreateProfile");
    assertThat(template.at("/Resources/InstanceRole/Condition").asText()).isEqualTo("CreateRole");
    assertThat(template.at("/Resources/InstanceProfile/Condition").asText()).isEqualTo("CreateProfile");
    JsonNode profile = template.at("/Resources/LaunchTemplate/Properties/LaunchTemplateData/IamInstanceProfile/Fn::If");
    assertThat(profile.get(0).asText()).isEqualTo("CreateProfile");
    assertThat(profile.at("/1/Arn/Fn::GetAtt/0").asText()).isEqualTo("InstanceProfile");
    assertThat(profile.at("/2/Name/Ref").asText()).isEqualTo("InstanceProfileName");
    template.get("Resources").fields().forEachRemaining(resource -> {
      if (resource.getValue().get("Type").asText().startsWith("AWS::IAM::")) {
        assertThat(resource.getValue().has("Condition")).as(resource.getKey()).isTrue();
      }
    });
  }

  @Test
  void theBuilderTemplateHoldsOnlyIamAndOutputsTheProfile() {
    Set<String> known = new HashSet<>(PSEUDO_PARAMETERS);
    builder.get("Parameters").fieldNames().forEachRemaining(known::add);
    builder.get("Resources").fieldNames().forEachRemaining(known::add);
    Set<String> referenced = new HashSet<>();
    Set<String> getAttTargets = new HashSet<>();
    collect(builder, referenced, new HashSet<>(), getAttTargets);

    assertThat(known).containsAll(referenced).containsAll(getAttTargets);
    assertThat(builder.get("Resources").findValuesAsText("Type"))
        .containsExactlyInAnyOrder("AWS::IAM::Role", "AWS::IAM::InstanceProfile");
    assertThat(builder.at("/Outputs/InstanceProfileName/Value/Ref").asText()).isEqualTo("InstanceProfile");
    assertThat(builder.at("/Outputs/InstanceProfileArn/Value/Fn::GetAtt/0").asText()).isEqualTo("InstanceProfile");
    // The same permissions a build stack's own role gets.
    assertThat(builder.at("/Resources/InstanceRole/Properties/ManagedPolicyArns"))
        .isEqualTo(template.at("/Resources/InstanceRole/Properties/ManagedPolicyArns"));
  }

  private static JsonNode parse(String body) {
    try {
      return new ObjectMapper(new YAMLFactory()).readTree(body);
    } catch (Exception e) {
      throw new AssertionError("the template is not plain YAML", e);
    }
  }
}
