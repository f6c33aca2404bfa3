package dev.precache.starter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.precache.workflows.BuildRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuildSpecFileTest {

  private static BuildRequest parse(String yaml) throws BuildSpecFile.InvalidSpecException {
    return BuildSpecFile.parse(yaml, "gpu.yaml");
  }

  @Test
  void everyKeyMapsToTheRequestValidatedWithDefaultsFilled() throws Exception {
    BuildRequest request = parse("""
        name: gpu-models
        region: eu-west-1
        images: [nginx:1.27, quay.io/redhat-ai-services/modelcar-catalog:qwen3-8b]
        platforms: [amd64, linux/arm64]
        ami: /aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest/image_id
        instanceType: m5.xlarge
        snapshotSize: 200
        encrypt: true
        kmsId: alias/snap
        instanceRole: my-role
        securityGroupId: sg-0123456789abcdef0
        subnetId: subnet-0123456789abcdef0
        outputParameterName: /precache/gpu
        publicIp: false
        tags: {team: ml, cost-center: 1234}
        timeout: 4h
        parallelism: 8
        volumeThroughput: 500
        volumeIops: 6000
        fromPrevious: false
        """);

    assertThat(request).isEqualTo(new BuildRequest("gpu-models", "eu-west-1",
        List.of("docker.io/library/nginx:1.27", "quay.io/redhat-ai-services/modelcar-catalog:qwen3-8b"),
        List.of("linux/amd64", "linux/arm64"), "/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest/image_id",
        "m5.xlarge", true, "alias/snap", 200, "my-role", "sg-0123456789abcdef0", "subnet-0123456789abcdef0",
        "/precache/gpu", false, Map.of("cost-center", "1234", "team", "ml"), Duration.ofHours(4), 8, 500, 6000,
        false, false));
  }

  @Test
  void leftOutKeysTakeBuildsDefaultsAndArchIsAnotherNameForPlatforms() throws Exception {
    BuildRequest request = parse("region: us-west-2\nimages: [nginx]\narch: [arm64]\ninstanceType: m7g.large\n");

    assertThat(request.platforms()).containsExactly("linux/arm64");
    assertThat(request.publicIp()).isTrue();
    assertThat(request.encrypt()).isFalse();
    assertThat(request.name()).isEqualTo("build");
    assertThat(request.volumeSizeGiB()).as("sized from the resolved images").isNull();
    assertThat(request.timeout()).isEqualTo(Duration.ofHours(3));
    assertThat(request.fromPrevious()).as("a schedule's builds are incremental unless the spec says").isNull();
  }

  @Test
  void theCommittedExampleIsAValidSpec() throws Exception {
    BuildRequest request = BuildSpecFile.load(Path.of("../builds/gpu.example.yaml"));

    assertThat(request.name()).isEqualTo("gpu-models");
    assertThat(request.images()).hasSize(5).allMatch(image -> image.startsWith("quay.io/") || image.startsWith("ghcr.io/"));
  }

  @Test
  void unknownKeyIsNamed() {
    assertThatThrownBy(() -> parse("region: us-west-2\nimages: [nginx]\nimage-list: [redis]\n"))
        .isInstanceOf(BuildSpecFile.InvalidSpecException.class)
        .hasMessageStartingWith("unknown key 'image-list' in gpu.yaml; known keys: ")
        .hasMessageContaining("images");
  }

  @Test
  void invalidValueNamesTheKeyAsTheFileSpellsIt() {
    assertThatThrownBy(() -> parse("region: us-west-2\nimages: [nginx]\nsnapshotSize: 0\n"))
        .hasMessage("invalid snapshotSize in gpu.yaml: must be between 1 and 65536 GiB, got 0");
    assertThatThrownBy(() -> parse("region: us-west-2\nimages: [nginx]\nami: /aws/x/nvidia/y\n"))
        .hasMessageStartingWith("invalid ami in gpu.yaml: ");
    assertThatThrownBy(() -> parse("images: [nginx]\n"))
        .hasMessageStartingWith("invalid region in gpu.yaml: must be an AWS region");
    assertThatThrownBy(() -> parse("region: us-west-2\n"))
        .hasMessage("invalid images in gpu.yaml: at least one image is required");
  }

  @Test
  void wrongTypeNamesTheKey() {
    assertThatThrownBy(() -> parse("region: us-west-2\nimages: [nginx]\nsnapshotSize: big\n"))
        .hasMessageStartingWith("invalid snapshotSize in gpu.yaml: ");
    assertThatThrownBy(() -> parse("region: us-west-2\nimages: [nginx]\ntimeout: soon\n"))
        .hasMessage("invalid timeout in gpu.yaml: 'soon' is not a duration like 90m, 3h or 1h30m");
  }

  @Test
  void emptyDuplicatedOrMissingFilesAreRejected() {
    assertThatThrownBy(() -> parse("")).hasMessage("gpu.yaml is empty");
    assertThatThrownBy(() -> parse("region: us-west-2\nregion: eu-west-1\nimages: [nginx]\n"))
        .hasMessageContaining("region");
    assertThatThrownBy(() -> BuildSpecFile.load(Path.of("no/such/spec.yaml")))
        .hasMessage("cannot read no/such/spec.yaml: no such file");
  }
}
