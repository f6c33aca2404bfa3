package dev.precache.simulator.cloudformation.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The two shapes of build-instance template precache deploys: the images-cache sample's and ours. */
class BuildTemplatesTest {
  private static final PseudoParameters PSEUDO = new PseudoParameters(
      "us-west-2", "123456789012", "precache-build-1", "arn:aws:cloudformation:us-west-2:123456789012:stack/precache-build-1/1");
  private static final Function<String, Optional<String>> SSM = name -> Optional.ofNullable(Map.of(
      "/aws/service/bottlerocket/aws-k8s-1.32/x86_64/latest/image_id", "ami-0132",
      "/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest/image_id", "ami-0133").get(name));

  private static Template load(String name) throws IOException {
    try (InputStream in = BuildTemplatesTest.class.getResourceAsStream("/templates/" + name)) {
      return Template.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void imagesCacheSampleCreatesRoleProfileLaunchTemplateThenInstance() throws IOException {
    BoundTemplate bound = load("images-cache-instance.yaml").bind(Map.of(), PSEUDO, SSM);

    assertThat(bound.creationOrder())
        .containsExactly("NodeRole", "NodeInstanceProfile", "NodeLaunchTemplate", "NodeInstance");
    assertThat(bound.resourceType("NodeInstance")).isEqualTo("AWS::EC2::Instance");
    assertThat(bound.resolveProperties("NodeRole", new FakeResources()))
        .extractingByKey("ManagedPolicyArns")
        .isEqualTo(List.of("arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
            "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"));
    Map<String, Object> instance = bound.resolveProperties("NodeInstance", new FakeResources());
    assertThat(instance).containsEntry("ImageId", "ami-0132").containsEntry("InstanceType", "m5.large")
        .containsEntry("IamInstanceProfile", "nodeinstanceprofile-id")
        .containsEntry("LaunchTemplate", Map.of("LaunchTemplateId", "nodelaunchtemplate-id",
            "Version", "nodelaunchtemplate.LatestVersionNumber"));
    assertThat(bound.resolveOutputs(new FakeResources())).containsExactly(Map.entry("InstanceId", "nodeinstance-id"));
    assertThat(bound.resolvedParameters())
        .containsEntry("AmiID", "/aws/service/bottlerocket/aws-k8s-1.32/x86_64/latest/image_id");
    assertThat(bound.ssmResolvedValues()).containsExactly(Map.entry("AmiID", "ami-0132"));
  }

  @Test
  void unknownSsmParameterFailsLikeCreateStack() throws IOException {
    Template template = load("images-cache-instance.yaml");
    assertThatThrownBy(() -> template.bind(
            Map.of("AmiID", "/aws/service/bottlerocket/aws-k8s-1.99/x86_64/latest/image_id"), PSEUDO, SSM))
        .isInstanceOf(TemplateException.class)
        .hasMessage("Unable to fetch parameters [/aws/service/bottlerocket/aws-k8s-1.99/x86_64/latest/image_id]"
            + " from parameter store for this account.");
  }

  @Test
  void ourTemplateWithDefaultsCreatesTheRoleAndLeavesOptionalSettingsOut() throws IOException {
    BoundTemplate bound = load("precache-build-instance.yaml").bind(Map.of(), PSEUDO, SSM);

    assertThat(bound.creationOrder()).containsExactly("InstanceRole", "InstanceProfile", "LaunchTemplate", "Instance");
    assertThat(bound.resolveProperties("InstanceProfile", new FakeResources()))
        .containsEntry("Roles", List.of("instancerole-id"));
    Map<String, Object> data = launchTemplateData(bound);
    assertThat(data).containsEntry("ImageId", "ami-0133").containsEntry("IamInstanceProfile", Map.of("Arn", "instanceprofile.Arn"));
    assertThat(blockDevice(data, 0)).isEqualTo(Map.of("VolumeSize", 4L, "VolumeType", "gp3"));
    assertThat(blockDevice(data, 1))
        .isEqualTo(Map.of("VolumeSize", "50", "VolumeType", "gp3", "Encrypted", "false"));
    assertThat(data.get("NetworkInterfaces")).isEqualTo(List.of(Map.of("DeviceIndex", 0L, "AssociatePublicIpAddress", true)));
    String userData = new String(Base64.getDecoder().decode((String) data.get("UserData")), StandardCharsets.UTF_8);
    assertThat(userData).contains("[settings.host-containers.admin]\nenabled = true\n")
        .contains("cluster-name = \"precache-build-1\"");
    assertThat(bound.resolveProperties("Instance", new FakeResources()))
        .containsEntry("LaunchTemplate", Map.of("LaunchTemplateId", "launchtemplate-id",
            "Version", "launchtemplate.LatestVersionNumber"));
    assertThat(bound.resolveOutputs(new FakeResources()))
        .containsExactly(Map.entry("InstanceId", "instance-id"), Map.entry("RoleArn", "instancerole.Arn"));
  }

  @Test
  void ourTemplateWithEverySettingUsesTheGivenRoleAndVolumeOptions() throws IOException {
    BoundTemplate bound = load("precache-build-instance.yaml").bind(Map.of(
        "InstanceRoleName", "my-node-role",
        "VolumeSize", "200",
        "VolumeThroughput", "1000",
        "VolumeIops", "16000",
        "Encrypted", "true",
        "KmsKeyId", "arn:aws:kms:us-west-2:123456789012:key/k",
        "SubnetId", "subnet-1",
        "SecurityGroupId", "sg-1"), PSEUDO, SSM);

    assertThat(bound.creationOrder()).containsExactly("InstanceProfile", "LaunchTemplate", "Instance");
    assertThat(bound.resolveProperties("InstanceProfile", new FakeResources()))
        .containsEntry("Roles", List.of("my-node-role"));
    Map<String, Object> data = launchTemplateData(bound);
    assertThat(blockDevice(data, 1)).isEqualTo(Map.of("VolumeSize", "200", "VolumeType", "gp3", "Throughput", "1000",
        "Iops", "16000", "Encrypted", "true", "KmsKeyId", "arn:aws:kms:us-west-2:123456789012:key/k"));
    assertThat(data.get("NetworkInterfaces")).isEqualTo(List.of(Map.of("DeviceIndex", 0L,
        "AssociatePublicIpAddress", true, "SubnetId", "subnet-1", "Groups", List.of("sg-1"))));
    assertThat(bound.resolveOutputs(new FakeResources())).containsOnlyKeys("InstanceId");
  }

  @Test
  void ourTemplateRejectsBadVolumeSizeAndEncryptionFlag() throws IOException {
    Template template = load("precache-build-instance.yaml");
    assertThatThrownBy(() -> template.bind(Map.of("VolumeSize", "0"), PSEUDO, SSM))
        .hasMessage("Parameter 'VolumeSize' must be a number not less than 1");
    assertThatThrownBy(() -> template.bind(Map.of("Encrypted", "yes"), PSEUDO, SSM))
        .hasMessage("Parameter 'Encrypted' must be one of AllowedValues");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> launchTemplateData(BoundTemplate bound) {
    return (Map<String, Object>) bound.resolveProperties("LaunchTemplate", new FakeResources()).get("LaunchTemplateData");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> blockDevice(Map<String, Object> launchTemplateData, int index) {
    List<Map<String, Object>> mappings = (List<Map<String, Object>>) launchTemplateData.get("BlockDeviceMappings");
    assertThat(mappings.get(index)).containsEntry("DeviceName", index == 0 ? "/dev/xvda" : "/dev/xvdb");
    return (Map<String, Object>) mappings.get(index).get("Ebs");
  }
}
