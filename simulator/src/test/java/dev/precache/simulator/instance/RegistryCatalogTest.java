package dev.precache.simulator.instance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryCatalogTest {

  @Test
  void defaultsHoldTheSeedImagesWithStableDigests() {
    RegistryCatalog first = RegistryCatalog.defaults();
    CatalogImage llama = first.find("quay.io/redhat-ai-services/modelcar-catalog:llama-3.1-8b-instruct").orElseThrow();
    assertThat(llama.platforms()).containsOnlyKeys("linux/amd64", "linux/arm64");
    assertThat(llama.platform("amd64").orElseThrow().layers()).hasSize(5);
    assertThat(llama.platform("amd64").orElseThrow().layers().stream().mapToLong(CatalogImage.Layer::size).sum())
        .isEqualTo(16_100_000_000L);
    assertThat(llama.platform("arm64").orElseThrow().layers().subList(1, 5))
        .as("the weights are the same layers on both platforms")
        .isEqualTo(llama.platform("amd64").orElseThrow().layers().subList(1, 5));
    assertThat(llama.platform("x86_64").orElseThrow().digest())
        .matches("sha256:[0-9a-f]{64}")
        .isEqualTo(RegistryCatalog.defaults().find(llama.reference()).orElseThrow().platform("amd64").orElseThrow().digest())
        .isNotEqualTo(llama.platform("arm64").orElseThrow().digest());
    assertThat(first.find("registry.k8s.io/pause:3.10")).isPresent();
    assertThat(first.find("busybox")).isEmpty();
    assertThat(first.pullBytesPerSecond("docker.io")).isEqualTo(150_000_000L);
    assertThat(first.requiresCredentials("123456789012.dkr.ecr.us-west-2.amazonaws.com")).isTrue();
    assertThat(first.requiresCredentials("public.ecr.aws")).isFalse();
  }

  @Test
  void loadedFileIsLaidOverTheDefaults(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("catalog.yaml");
    Files.writeString(file, """
        pullBytesPerSecond: 50 MB
        registries:
          registry.example.com: {username: robot, password: s3cret, pullBytesPerSecond: 10 MiB}
        images:
          registry.example.com/team/model:2:
            amd64: 2 GiB
        """);
    RegistryCatalog catalog = RegistryCatalog.load(file);
    assertThat(catalog.find("docker.io/library/busybox:latest")).isPresent();
    CatalogImage.PlatformManifest model = catalog.find("registry.example.com/team/model:2").orElseThrow()
        .platform("linux/amd64").orElseThrow();
    assertThat(model.platform()).isEqualTo("linux/amd64");
    assertThat(model.layers()).singleElement().satisfies(layer -> {
      assertThat(layer.size()).isEqualTo(2L << 30);
      assertThat(layer.unpackedSize()).isEqualTo(2L << 30);
    });
    assertThat(catalog.pullBytesPerSecond("docker.io")).isEqualTo(50_000_000L);
    assertThat(catalog.pullBytesPerSecond("registry.example.com")).isEqualTo(10L << 20);
    assertThat(catalog.authorize("registry.example.com", "robot", "s3cret")).isTrue();
    assertThat(catalog.authorize("registry.example.com", "robot", "guess")).isFalse();
  }
}
