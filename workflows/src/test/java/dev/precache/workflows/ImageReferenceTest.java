package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {

  private static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource({
      "busybox, docker.io/library/busybox:latest",
      "foo/bar, docker.io/foo/bar:latest",
      "index.docker.io/foo/bar:1.0, docker.io/foo/bar:1.0",
      "nvcr.io/nvidia/cuda:12.4.1-runtime-ubuntu22.04, nvcr.io/nvidia/cuda:12.4.1-runtime-ubuntu22.04",
      "localhost/model, localhost/model:latest",
      "localhost:5000/team/model:v1, localhost:5000/team/model:v1",
      "registry.example.com:8443/a/b/c, registry.example.com:8443/a/b/c:latest",
      "123456789012.dkr.ecr.us-west-2.amazonaws.com/vllm:0.6.3, 123456789012.dkr.ecr.us-west-2.amazonaws.com/vllm:0.6.3",
      "public.ecr.aws/docker/library/alpine:3.20, public.ecr.aws/docker/library/alpine:3.20",
      "my_org/my-image__x, docker.io/my_org/my-image__x:latest"})
  void normalises(String reference, String normalised) {
    assertThat(ImageReference.parse(reference).toString()).isEqualTo(normalised);
  }

  @ParameterizedTest
  @CsvSource({"busybox@, docker.io/library/busybox@", "busybox:1.36@, docker.io/library/busybox:1.36@",
      "ghcr.io/org/app@, ghcr.io/org/app@"})
  void keepsDigestsWithoutAddingATag(String prefix, String normalisedPrefix) {
    ImageReference reference = ImageReference.parse(prefix + DIGEST);

    assertThat(reference.toString()).isEqualTo(normalisedPrefix + DIGEST);
    assertThat(reference.digest()).isEqualTo(DIGEST);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "Busybox", "foo//bar", "foo/bar:", "foo:tag with space", "-foo", "foo/-bar",
      "busybox@sha256:abc", "busybox@md5:0123", "bad_host.example.com:x/foo", ":latest"})
  void rejects(String reference) {
    assertThatIllegalArgumentException().isThrownBy(() -> ImageReference.parse(reference));
  }
}
