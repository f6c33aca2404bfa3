package dev.precache.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.activities.RegistryCredentials.EcrRegistry;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RegistryCredentialsTest {

  @Test
  void recognisesEcrRegistriesIncludingFipsAndChina() {
    assertThat(EcrRegistry.of("123456789012.dkr.ecr.us-west-2.amazonaws.com/app:1"))
        .contains(new EcrRegistry("123456789012", "us-west-2"));
    assertThat(EcrRegistry.of("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app@sha256:abc"))
        .contains(new EcrRegistry("123456789012", "us-gov-west-1"));
    assertThat(EcrRegistry.of("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/team/app:1"))
        .contains(new EcrRegistry("123456789012", "cn-north-1"));
  }

  @Test
  void otherRegistriesAreNotEcr() {
    assertThat(EcrRegistry.of("public.ecr.aws/nginx/nginx:1")).isEqualTo(Optional.empty());
    assertThat(EcrRegistry.of("docker.io/library/busybox:1")).isEmpty();
    assertThat(EcrRegistry.of("12345.dkr.ecr.us-west-2.amazonaws.com/app:1")).isEmpty();
    assertThat(EcrRegistry.of("123456789012.dkr.ecr.us-west-2.amazonaws.com.evil.io/app:1")).isEmpty();
    assertThat(EcrRegistry.of("busybox")).isEmpty();
  }
}
