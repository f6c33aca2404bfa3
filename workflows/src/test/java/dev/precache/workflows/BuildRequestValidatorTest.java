package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class BuildRequestValidatorTest {

  private static final BuildRequest VALID = BuildRequest.of("us-west-2", List.of("busybox"));

  @Test
  void fillsSnapshotShDefaults() {
    BuildRequest normalised = BuildRequestValidator.normalize(VALID);

    assertThat(normalised.name()).isEqualTo("build");
    assertThat(normalised.images()).containsExactly("docker.io/library/busybox:latest");
    assertThat(normalised.platforms()).containsExactly("linux/amd64");
    assertThat(normalised.instanceType()).isEqualTo("m5.large");
    assertThat(normalised.amiParameter()).isEqualTo("/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest/image_id");
    assertThat(normalised.volumeSizeGiB()).as("sized from the resolved images").isNull();
    assertThat(normalised.timeout()).isEqualTo(BuildTimeouts.DEFAULT_BUILD_TIMEOUT);
    assertThat(normalised.pullParallelism()).isEqualTo(4);
    assertThat(normalised.tags()).isEmpty();
    assertThat(BuildRequestValidator.normalize(normalised)).isEqualTo(normalised);
  }

  @ParameterizedTest
  @CsvSource({
      "m6g.large, arm64", "m7gd.xlarge, arm64", "c7gn.medium, arm64", "t4g.small, arm64", "g5g.xlarge, arm64",
      "r8g.large, arm64", "a1.medium, arm64", "m5.large, x86_64", "g4dn.xlarge, x86_64", "p5.48xlarge, x86_64",
      "c7i.large, x86_64"})
  void theDefaultAmiFollowsTheInstanceArchitecture(String instanceType, String arch) {
    BuildRequest normalised = BuildRequestValidator.normalize(with(VALID, "instanceType", instanceType));

    assertThat(normalised.amiParameter()).isEqualTo("/aws/service/bottlerocket/aws-k8s-1.33/" + arch + "/latest/image_id");
  }

  @Test
  void normalisesPlatforms() {
    BuildRequest request = with(VALID, "platforms", List.of("amd64", "linux/arm64/v8"));

    assertThat(BuildRequestValidator.normalize(request).platforms()).containsExactly("linux/amd64", "linux/arm64");
  }

  @Test
  void acceptsAnNvidiaAmiOnAGpuInstance() {
    BuildRequest request = with(with(VALID, "instanceType", "g5.xlarge"), "amiParameter",
        "/aws/service/bottlerocket/aws-k8s-1.33-nvidia/x86_64/latest/image_id");

    assertThat(BuildRequestValidator.normalize(request).amiParameter()).contains("nvidia");
  }

  static Stream<Arguments> invalidRequests() {
    return Stream.of(
        invalid("images", "images", List.of()),
        invalid("images", "images", List.of("Busybox")),
        invalid("images", "images", List.of("busybox:bad tag")),
        invalid("images", "images", List.of("busybox@sha256:1234")),
        invalid("images", "images", List.of("busybox", "docker.io/library/busybox:latest")),
        invalid("images", "images", java.util.stream.IntStream.range(0, 201).mapToObj(i -> "img" + i).toList()),
        invalid("platforms", "platforms", List.of("windows/amd64")),
        invalid("platforms", "platforms", List.of("amd64", "linux/amd64")),
        invalid("platforms", "platforms", List.of("arm64", "linux/arm64/v8")),
        invalid("region", "region", "us_west_2"),
        invalid("region", "region", null),
        invalid("volumeSizeGiB", "volumeSizeGiB", 0),
        invalid("volumeSizeGiB", "volumeSizeGiB", 65_537),
        invalid("kmsKeyId", "kmsKeyId", "alias/precache"),
        invalid("instanceType", "instanceType", "m5large"),
        invalid("pullParallelism", "pullParallelism", 0),
        invalid("pullParallelism", "pullParallelism", 33),
        invalid("volumeThroughputMiBps", "volumeThroughputMiBps", 100),
        invalid("volumeThroughputMiBps", "volumeThroughputMiBps", 2_001),
        invalid("volumeIops", "volumeIops", 2_999),
        invalid("volumeIops", "volumeIops", 80_001),
        invalid("timeout", "timeout", Duration.ZERO),
        invalid("timeout", "timeout", Duration.ofHours(49)),
        invalid("name", "name", "gpu models"),
        invalid("name", "name", "x".repeat(65)),
        invalid("tags", "tags", Map.of("aws:cloudformation:stack-name", "x")),
        invalid("tags", "tags", Map.of("precache:build-id", "x")),
        invalid("tags", "tags", Map.of("k".repeat(129), "x")),
        invalid("subnetId", "subnetId", "subnet-xyz"),
        invalid("securityGroupId", "securityGroupId", "sg_0123456789abcdef0"),
        invalid("outputParameterName", "outputParameterName", "/aws/precache/snapshot"),
        invalid("outputParameterName", "outputParameterName", "ssm-snapshot"),
        invalid("outputParameterName", "outputParameterName", "/precache/snap shot"),
        invalid("amiParameter", "amiParameter", "aws/service/bottlerocket"),
        invalid("amiParameter", "amiParameter", "/aws/service/bottlerocket/aws-k8s-1.33-nvidia/x86_64/latest/image_id"),
        invalid("amiParameter", "amiParameter", "/aws/service/bottlerocket/aws-k8s-1.33/arm64/latest/image_id"),
        invalid("instanceRole", "instanceRole", "arn:aws:iam::123:role/x"),
        // AWS's input rules (issue 10, item 4)
        invalid("tags", "tags", Map.of("team", "ml\u0007")),
        invalid("tags", "tags", Map.of("te\tam", "ml")),
        invalid("tags", "tags", Map.of("team", "line\nbreak")),
        invalid("tags", "tags", Map.of(" aws:owner", "x")),
        invalid("tags", "tags", Map.of("AWS:owner", "x")),
        invalid("tags", "tags", Map.of(" Precache:name", "x")),
        invalid("tags", "tags", Map.of("Name", "mine")),
        invalid("tags", "tags", Map.of("team", "a", "team ", "b")),
        invalid("tags", "tags", Map.of("team", "v".repeat(257))),
        invalid("tags", "tags", tagsNumbered(BuildRequestValidator.MAX_USER_TAGS + 1)),
        invalid("outputParameterName", "outputParameterName", "/a".repeat(16)),
        invalid("outputParameterName", "outputParameterName", "precache/snapshot"),
        invalid("outputParameterName", "outputParameterName", "/precache/" + "x".repeat(1002)),
        invalid("images", "images", List.of("registry.example.com:99999/team/app:1")),
        invalid("images", "images", List.of("registry.example.com:0/team/app:1")),
        invalid("name", "name", "---"),
        invalid("name", "name", ".hidden"),
        invalid("name", "name", ""),
        // Restore speed (issue 11)
        invalid("volumeInitializationRate", "volumeInitializationRateMiBps", 99),
        invalid("volumeInitializationRate", "volumeInitializationRateMiBps", 301),
        invalid("fastRestore", "fastRestoreZones", List.of("us-east-1a")),
        invalid("fastRestore", "fastRestoreZones", List.of("us-west-2")),
        invalid("fastRestore", "fastRestoreZones", List.of("us-west-2-a")),
        invalid("fastRestore", "fastRestoreZones",
            List.of("us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d", "us-west-2e", "us-west-2f")));
  }

  @Test
  void aRateAndFastRestoreTogetherAreRefusedForTheRateWouldWin() {
    BuildRequest both = with(with(VALID, "volumeInitializationRateMiBps", 300), "fastRestoreZones",
        List.of("us-west-2a"));
    InvalidRequestException invalid = catchThrowableOfType(InvalidRequestException.class,
        () -> BuildRequestValidator.normalize(both));
    assertThat(invalid.field()).isEqualTo("fastRestore");
    assertThat(invalid.getMessage()).contains("choose one of --volume-initialization-rate and --fast-restore");
  }

  @Test
  void fastRestoreZonesAreKeptOnceInLowerCaseAndARateAsGiven() {
    BuildRequest zones = BuildRequestValidator.normalize(with(VALID, "fastRestoreZones",
        List.of("us-west-2a", " US-WEST-2B", "us-west-2a")));
    assertThat(zones.fastRestoreZones()).containsExactly("us-west-2a", "us-west-2b");
    assertThat(zones.volumeInitializationRateMiBps()).isNull();
    assertThat(BuildRequestValidator.normalize(with(VALID, "volumeInitializationRateMiBps", 100))
        .volumeInitializationRateMiBps()).isEqualTo(100);
    // A restore choice is part of what defines the build: another choice is another build.
    assertThat(BuildIdentity.workflowIdFor(BuildRequestValidator.normalize(VALID)))
        .isNotEqualTo(BuildIdentity.workflowIdFor(zones));
  }

  private static Map<String, String> tagsNumbered(int count) {
    Map<String, String> tags = new java.util.HashMap<>();
    for (int i = 0; i < count; i++) {
      tags.put("key-" + i, "value");
    }
    return tags;
  }

  @Test
  void acceptsWhatAwsAcceptsAtItsLimits() {
    Map<String, String> tags = new java.util.HashMap<>(tagsNumbered(BuildRequestValidator.MAX_USER_TAGS - 2));
    tags.put("k".repeat(128), "v".repeat(256));
    tags.put("name", "lower-case name is another key to AWS");
    BuildRequest request = with(with(with(VALID, "tags", tags), "outputParameterName", "/a".repeat(15)),
        "images", List.of("registry.example.com:65535/team/app:1"));

    BuildRequest normalised = BuildRequestValidator.normalize(request);

    assertThat(normalised.tags()).hasSize(BuildRequestValidator.MAX_USER_TAGS);
    assertThat(normalised.outputParameterName()).isEqualTo("/a".repeat(15));
  }

  @Test
  void aBuildStartedBeforeAwsInputRulesIsCheckedAsItWasThen() {
    BuildRequest before = with(with(with(VALID, "name", "---"), "tags", Map.of("Name", "mine", "team", "ml\u0007")),
        "outputParameterName", "/a".repeat(16));

    assertThat(BuildRequestValidator.normalize(before, false).tags()).containsEntry("Name", "mine");
    assertThat(catchThrowableOfType(InvalidRequestException.class, () -> BuildRequestValidator.normalize(before)))
        .isNotNull();
  }

  @Test
  void aControlCharacterIsNamedNotEchoed() {
    InvalidRequestException invalid = catchThrowableOfType(InvalidRequestException.class,
        () -> BuildRequestValidator.normalize(with(VALID, "tags", Map.of("be\u0007l", "x"))));

    assertThat(invalid.getMessage()).contains("control character").contains("be\\u0007l").doesNotContain("\u0007");
  }

  private static Arguments invalid(String field, String component, Object value) {
    return Arguments.of(field, component + " = " + value, with(VALID, component, value));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("invalidRequests")
  void rejectsNamingTheField(String field, String description, BuildRequest request) {
    InvalidRequestException invalid = catchThrowableOfType(InvalidRequestException.class,
        () -> BuildRequestValidator.normalize(request));

    assertThat(invalid).as(description).isNotNull();
    assertThat(invalid.field()).isEqualTo(field);
    assertThat(invalid.getMessage()).startsWith(field + ": ");
  }

  @Test
  void saysWhatIsWrongWithTheVolumeSize() {
    InvalidRequestException invalid = catchThrowableOfType(InvalidRequestException.class,
        () -> BuildRequestValidator.normalize(with(VALID, "volumeSizeGiB", 0)));

    assertThat(invalid.getMessage()).isEqualTo("volumeSizeGiB: must be between 1 and 65536 GiB, got 0");
  }

  /** A copy of {@code request} with one component replaced, named as the record names it. */
  @Test
  void throughputAboveWhatTheGivenIopsAllowIsRefusedAloneItIsCompleted() {
    BuildRequest both = with(with(VALID, "volumeIops", 4_000), "volumeThroughputMiBps", 1_001);
    InvalidRequestException invalid = org.junit.jupiter.api.Assertions.assertThrows(InvalidRequestException.class,
        () -> BuildRequestValidator.normalize(both));
    assertThat(invalid.getMessage())
        .isEqualTo("volumeThroughputMiBps: gp3 allows at most 1000 MiB/s with 4000 IOPS, got 1001");
    // Without --volume-iops the IOPS are chosen to fit (VolumePerformance): 2,000 MiB/s alone is fine.
    assertThat(BuildRequestValidator.normalize(with(VALID, "volumeThroughputMiBps", 2_000)).volumeIops()).isNull();
  }

  static BuildRequest with(BuildRequest request, String component, Object value) {
    RecordComponent[] components = BuildRequest.class.getRecordComponents();
    Object[] values = new Object[components.length];
    try {
      for (int i = 0; i < components.length; i++) {
        values[i] = components[i].getName().equals(component) ? value : components[i].getAccessor().invoke(request);
      }
      Class<?>[] types = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
      return BuildRequest.class.getDeclaredConstructor(types).newInstance(values);
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException("no component " + component, e);
    }
  }
}
