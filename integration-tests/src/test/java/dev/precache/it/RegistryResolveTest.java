package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.activities.AwsClients;
import dev.precache.activities.DockerConfig;
import dev.precache.activities.RegistryActivitiesImpl;
import dev.precache.activities.RegistryEndpoints;
import dev.precache.worker.LoopbackPorts;
import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.RegistryActivities;
import dev.precache.workflows.RegistryActivities.ResolveSpec;
import dev.precache.workflows.ResolvedImage;
import dev.precache.workflows.ResolvedLayer;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The resolve activity against a real registry (go-containerregistry's, filled by crane): digests and sizes
 * equal what crane reads, platforms are picked from the index, and a missing image or platform is a permanent
 * failure naming it. The registry is reached as {@code quay.io} through the worker's host → URL mapping.
 */
class RegistryResolveTest {

  @RegisterExtension
  static final CraneRegistry registry = new CraneRegistry();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HOST = "quay.io";
  private static String indexDigest;
  private static String amd64Manifest;

  private final AwsClients aws = new AwsClients(URI.create("http://127.0.0.1:9"),
      StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")));
  private TestActivityEnvironment env;
  private RegistryActivities activities;

  @BeforeAll
  static void pushImages() throws Exception {
    Path base = registry.layer("base", "the shared base layer\n");
    Path model = registry.layer("model", "weights ".repeat(10_000));
    amd64Manifest = registry.pushImage("models/llm", "amd64", "linux/amd64", base, model);
    registry.pushImage("models/llm", "arm64", "linux/arm64", base);
    indexDigest = registry.pushIndex("models/llm", "v1", "amd64", "arm64");
    registry.pushIndex("models/llm", "amd64-only", "amd64");
  }

  @BeforeEach
  void startActivity() {
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new RegistryActivitiesImpl(aws,
        RegistryEndpoints.of(Map.of(HOST, registry.endpoint())), DockerConfig.empty()));
    activities = env.newActivityStub(RegistryActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofSeconds(30))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .build());
  }

  @AfterEach
  void stop() {
    env.close();
    aws.close();
  }

  @Test
  void resolvesEveryPlatformToTheDigestsAndSizesCraneReads() throws Exception {
    List<ResolvedImage> resolved = activities.resolveImages(
        new ResolveSpec(List.of(HOST + "/models/llm:v1"), List.of("linux/amd64", "linux/arm64")));

    assertThat(resolved).extracting(ResolvedImage::platform).containsExactly("linux/amd64", "linux/arm64");
    assertThat(resolved).allSatisfy(image -> assertThat(image.digest()).isEqualTo(indexDigest));
    for (ResolvedImage image : resolved) {
      JsonNode manifest = JSON.readTree(registry.manifest("models/llm@" + image.manifestDigest()));
      assertThat(image.configDigest()).isEqualTo(manifest.path("config").path("digest").asText());
      assertThat(image.configBytes()).isEqualTo(manifest.path("config").path("size").asLong());
      List<ResolvedLayer> expected = new ArrayList<>();
      manifest.path("layers").forEach(layer -> expected.add(new ResolvedLayer(layer.path("digest").asText(),
          layer.path("mediaType").asText(), layer.path("size").asLong())));
      assertThat(image.layers()).isEqualTo(expected);
    }
    assertThat(resolved.get(0).manifestDigest()).isEqualTo(amd64Manifest);
    assertThat(resolved.get(0).layers()).hasSize(2);
    assertThat(resolved.get(1).layers()).hasSize(1);
    assertThat(resolved.get(0).layers().get(0)).as("the base layer is shared").isEqualTo(resolved.get(1).layers().get(0));
  }

  @Test
  void aSingleManifestImageIsCheckedAgainstItsConfigsPlatform() {
    ResolvedImage image = activities.resolveImages(
        new ResolveSpec(List.of(HOST + "/models/llm:amd64"), List.of("linux/amd64"))).get(0);
    assertThat(image.digest()).isEqualTo(amd64Manifest).isEqualTo(image.manifestDigest());

    ApplicationFailure failure = failure(() -> activities.resolveImages(
        new ResolveSpec(List.of(HOST + "/models/llm:amd64"), List.of("linux/arm64"))));
    assertThat(failure.getType()).isEqualTo(BuildFailures.PLATFORM_NOT_FOUND);
    assertThat(failure.getOriginalMessage())
        .isEqualTo("quay.io/models/llm:amd64 has no linux/arm64 image (the index has: linux/amd64)");
  }

  @Test
  void aPlatformTheIndexLacksIsAPermanentFailureNamingTheImage() {
    ApplicationFailure failure = failure(() -> activities.resolveImages(new ResolveSpec(
        List.of(HOST + "/models/llm:amd64-only"), List.of("linux/amd64", "linux/arm64"))));

    assertThat(failure.getType()).isEqualTo(BuildFailures.PLATFORM_NOT_FOUND);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage())
        .isEqualTo("quay.io/models/llm:amd64-only has no linux/arm64 image (the index has: linux/amd64)");
  }

  @Test
  void anUnknownTagOrRepositoryIsImageNotFoundWithTheRegistrysErrorCode() {
    ApplicationFailure tag = failure(() -> activities.resolveImages(
        new ResolveSpec(List.of(HOST + "/models/llm:v9"), List.of("linux/amd64"))));
    ApplicationFailure repository = failure(() -> activities.resolveImages(
        new ResolveSpec(List.of(HOST + "/models/nope:v1"), List.of("linux/amd64"))));

    assertThat(tag.getType()).isEqualTo(BuildFailures.IMAGE_NOT_FOUND);
    assertThat(tag.isNonRetryable()).isTrue();
    assertThat(tag.getOriginalMessage())
        .startsWith("quay.io/models/llm:v9: GET manifest v9 failed: HTTP 404 MANIFEST_UNKNOWN");
    assertThat(repository.getType()).isEqualTo(BuildFailures.IMAGE_NOT_FOUND);
    assertThat(repository.getOriginalMessage()).startsWith("quay.io/models/nope:v1: GET manifest v1 failed: HTTP 404");
  }

  @Test
  void aPinnedDigestResolvesAndATagThatMovedResolvesToItsNewDigest() throws Exception {
    ResolvedImage pinned = activities.resolveImages(new ResolveSpec(
        List.of(HOST + "/models/llm@" + indexDigest), List.of("linux/arm64"))).get(0);
    assertThat(pinned.digest()).isEqualTo(indexDigest);

    String moved = registry.pushIndex("models/llm", "moving", "amd64");
    ResolvedImage before = activities.resolveImages(
        new ResolveSpec(List.of(HOST + "/models/llm:moving"), List.of("linux/amd64"))).get(0);
    String after = registry.pushIndex("models/llm", "moving", "amd64", "arm64");
    ResolvedImage now = activities.resolveImages(
        new ResolveSpec(List.of(HOST + "/models/llm:moving"), List.of("linux/amd64"))).get(0);

    assertThat(before.digest()).isEqualTo(moved);
    assertThat(now.digest()).isEqualTo(after).isNotEqualTo(moved);
  }

  @Test
  void aRegistryNobodyListensOnIsRetryable() {
    env.close();
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new RegistryActivitiesImpl(aws,
        RegistryEndpoints.of(Map.of(HOST, URI.create("http://127.0.0.1:" + LoopbackPorts.reserve()))),
        DockerConfig.empty()));
    RegistryActivities unreachable = env.newActivityStub(RegistryActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofSeconds(30))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .build());

    ApplicationFailure failure = failure(() -> unreachable.resolveImages(
        new ResolveSpec(List.of(HOST + "/models/llm:v1"), List.of("linux/amd64"))));

    assertThat(failure.isNonRetryable()).isFalse();
    assertThat(failure.getType()).isEqualTo("TransientRegistryError");
    assertThat(failure.getOriginalMessage()).startsWith("quay.io/models/llm:v1: GET manifest v1 failed");
  }

  private static ApplicationFailure failure(Runnable call) {
    ActivityFailure failed = catchThrowableOfType(ActivityFailure.class, call::run);
    assertThat(failed).as("the call fails").isNotNull();
    return (ApplicationFailure) failed.getCause();
  }
}
