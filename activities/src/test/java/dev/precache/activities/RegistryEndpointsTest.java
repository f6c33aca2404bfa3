package dev.precache.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegistryEndpointsTest {

  @Test
  void registryEndpointsMapHostsAndDefaultToHttpsWithDockerHubsApiHost() {
    RegistryEndpoints endpoints = RegistryEndpoints.of(Map.of("Quay.io", URI.create("http://127.0.0.1:5000/")));

    assertThat(endpoints.baseOf("quay.io")).isEqualTo(URI.create("http://127.0.0.1:5000"));
    assertThat(endpoints.baseOf("docker.io")).isEqualTo(URI.create("https://registry-1.docker.io"));
    assertThat(endpoints.baseOf("index.docker.io")).isEqualTo(URI.create("https://registry-1.docker.io"));
    assertThat(endpoints.baseOf("ghcr.io")).isEqualTo(URI.create("https://ghcr.io"));
    assertThat(catchThrowableOfType(IllegalArgumentException.class,
        () -> RegistryEndpoints.of(Map.of("quay.io", URI.create("ftp://x")))).getMessage())
        .contains("must be an http(s) URL");
  }
}
