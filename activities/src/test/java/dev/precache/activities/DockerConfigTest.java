package dev.precache.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerConfigTest {

  private static String auth(String userAndPassword) {
    return Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsAuthAndUsernamePasswordEntriesKeyedByHostOrUrl() {
    DockerConfig config = DockerConfig.parse("""
        {"auths": {
          "https://index.docker.io/v1/": {"auth": "%s"},
          "quay.io": {"username": "robot+ci", "password": "p:w"},
          "ghcr.io": {}
        }}""".formatted(auth("hubuser:hub:pass")));

    assertThat(config.size()).isEqualTo(2);
    assertThat(config.loginFor("docker.io")).contains(new RegistryLogin("hubuser", "hub:pass"));
    assertThat(config.loginFor("registry-1.docker.io")).contains(new RegistryLogin("hubuser", "hub:pass"));
    assertThat(config.loginFor("quay.io")).contains(new RegistryLogin("robot+ci", "p:w"));
    assertThat(config.loginFor("ghcr.io")).isEmpty();
    assertThat(config.loginFor("quay.io").orElseThrow().toString()).doesNotContain("p:w");
  }

  @Test
  void aMalformedFileIsRefusedWithoutEchoingItsContent() {
    IllegalArgumentException notBase64 = catchThrowableOfType(IllegalArgumentException.class,
        () -> DockerConfig.parse("{\"auths\": {\"quay.io\": {\"auth\": \"secret!!\"}}}"));
    assertThat(notBase64.getMessage()).isEqualTo("the auth of quay.io is not base64").doesNotContain("secret");
    assertThat(catchThrowableOfType(IllegalArgumentException.class, () -> DockerConfig.parse("secret")).getMessage())
        .isEqualTo("not JSON");
  }

  @Test
  void theStandardFileIsDockerConfigsThenTheHomeDirectorysAndOnlyOneThatExists(@TempDir Path dir) throws Exception {
    Path home = Files.createDirectories(dir.resolve("home"));
    Path dockerConfig = Files.createDirectories(dir.resolve("docker-config"));

    assertThat(DockerConfig.standardFile(Map.of(), home)).isEmpty();
    Path inHome = Files.writeString(Files.createDirectories(home.resolve(".docker")).resolve("config.json"), "{}");
    assertThat(DockerConfig.standardFile(Map.of(), home)).contains(inHome);
    assertThat(DockerConfig.standardFile(Map.of("DOCKER_CONFIG", dockerConfig.toString()), home)).isEmpty();
    Path named = Files.writeString(dockerConfig.resolve("config.json"), "{}");
    assertThat(DockerConfig.standardFile(Map.of("DOCKER_CONFIG", dockerConfig.toString()), home)).contains(named);
  }
}
