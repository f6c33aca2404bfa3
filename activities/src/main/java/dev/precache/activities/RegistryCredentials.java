package dev.precache.activities;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ecr.model.GetAuthorizationTokenRequest;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.DeleteParameterRequest;
import software.amazon.awssdk.services.ssm.model.DeleteParametersRequest;
import software.amazon.awssdk.services.ssm.model.ParameterAlreadyExistsException;
import software.amazon.awssdk.services.ssm.model.ParameterNotFoundException;
import software.amazon.awssdk.services.ssm.model.ParameterType;
import software.amazon.awssdk.services.ssm.model.PutParameterRequest;
import software.amazon.awssdk.services.ssm.model.Tag;
import software.amazon.awssdk.services.ssm.model.GetParametersByPathRequest;
import software.amazon.awssdk.services.ssm.model.GetParametersByPathResponse;

/**
 * Registry credentials: ECR logins for the worker's own reads of registries (resolving images), the login of any
 * other private registry parked for one pull as a SecureString the build instance reads with its own role, and the
 * sweep of a build's credentials path in teardown (a parked login a dead worker could not delete, or one parked as a
 * String by workers before). ECR pulls get their password on the instance ({@link Containerd#pull}). A password is
 * never returned, logged or put in a failure.
 */
final class RegistryCredentials {

  private static final Logger log = LoggerFactory.getLogger(RegistryCredentials.class);

  private static final Pattern ECR_HOST =
      Pattern.compile("^(\\d{12})\\.dkr\\.ecr(-fips)?\\.([a-z0-9-]+)\\.amazonaws\\.com(\\.cn)?$");
  private static final int DELETE_BATCH = 10;

  private final AwsClients clients;
  private final Polling polling;

  RegistryCredentials(AwsClients clients, Polling polling) {
    this.clients = clients;
    this.polling = polling;
  }

  /** The ECR registry an image lives in. */
  record EcrRegistry(String accountId, String region) {

    /** The ECR registry of an image reference, or empty for any other registry. */
    static Optional<EcrRegistry> of(String image) {
      int slash = image.indexOf('/');
      return ofHost(slash < 0 ? "" : image.substring(0, slash));
    }

    /** The ECR registry of a registry host, or empty for any other host. */
    static Optional<EcrRegistry> ofHost(String registryHost) {
      Matcher host = ECR_HOST.matcher(registryHost);
      return host.matches() ? Optional.of(new EcrRegistry(host.group(1), host.group(3))) : Optional.empty();
    }
  }

  /** A login for the registry from a fresh token, fetched in the registry's own region with the worker's credentials. */
  static RegistryLogin ecrLogin(AwsClients clients, EcrRegistry registry) {
    String userAndPassword = ecrUserAndPassword(clients, registry);
    int colon = userAndPassword.indexOf(':');
    return new RegistryLogin(userAndPassword.substring(0, colon), userAndPassword.substring(colon + 1));
  }

  private static String ecrUserAndPassword(AwsClients clients, EcrRegistry registry) {
    String token = clients.ecr(registry.region())
        .getAuthorizationToken(GetAuthorizationTokenRequest.builder().registryIds(registry.accountId()).build())
        .authorizationData().get(0).authorizationToken();
    return new String(Base64.getDecoder().decode(token), StandardCharsets.UTF_8);
  }

  /**
   * Writes the login as a SecureString (the account's AWS managed key alias/aws/ssm: the instance role decrypts it
   * through SSM without a KMS grant), tagged with the build. Created with its tag; a parameter an earlier attempt of
   * the pull left, or a try refused after SSM took it, is overwritten (PutParameter refuses tags with Overwrite, and
   * the first try tagged it). Throttling and 5xx are ridden out ({@link Polling#untilAnswered}), heartbeating
   * {@code details}: the pull's own, so a retry still finds its command.
   */
  void park(String region, String name, String buildId, RegistryLogin login, Object details) {
    SsmClient ssm = clients.ssm(region);
    String value = Base64.getEncoder().encodeToString(
        (login.username() + ":" + login.password()).getBytes(StandardCharsets.UTF_8));
    polling.untilAnswered("park the registry login as " + name, details, () -> {
      try {
        ssm.putParameter(PutParameterRequest.builder().name(name).type(ParameterType.SECURE_STRING).value(value)
            .description("precache: a registry login for one pull of build " + buildId + ", deleted after it")
            .tags(Tag.builder().key(StackActivitiesImpl.BUILD_ID_TAG).value(buildId).build()).build());
      } catch (ParameterAlreadyExistsException leftByAnEarlierTry) {
        ssm.putParameter(PutParameterRequest.builder().name(name).type(ParameterType.SECURE_STRING).value(value)
            .overwrite(true).build());
      }
      return null;
    });
    log.info("Parked the {} login for the pull as SecureString {}", login.username(), name);
  }

  /** Deletes a parked login, riding out throttling and 5xx as {@link #park} does; already gone is fine. */
  void unpark(String region, String name, Object details) {
    polling.untilAnswered("delete the parked login " + name, details, () -> {
      try {
        clients.ssm(region).deleteParameter(DeleteParameterRequest.builder().name(name).build());
        log.info("Deleted {}", name);
      } catch (ParameterNotFoundException alreadyGone) {
        log.info("{} was already deleted", name);
      }
      return null;
    });
  }

  /**
   * Deletes every parameter under a build's credentials path; none is fine. Each page read and each batch deleted
   * rides out throttling and 5xx ({@link Polling#untilAnswered}); deleting a name already gone is no error.
   */
  void removeAll(String region, String path) {
    SsmClient ssm = clients.ssm(region);
    List<String> names = new ArrayList<>();
    String nextToken = null;
    do {
      GetParametersByPathRequest request = GetParametersByPathRequest.builder()
          .path(path).recursive(true).nextToken(nextToken).build();
      GetParametersByPathResponse page = polling.untilAnswered("list the credentials under " + path, path,
          () -> ssm.getParametersByPath(request));
      page.parameters().forEach(parameter -> names.add(parameter.name()));
      nextToken = page.nextToken();
    } while (nextToken != null);
    for (int from = 0; from < names.size(); from += DELETE_BATCH) {
      List<String> batch = names.subList(from, Math.min(from + DELETE_BATCH, names.size()));
      polling.untilAnswered("delete the credentials under " + path, path,
          () -> ssm.deleteParameters(DeleteParametersRequest.builder().names(batch).build()));
    }
    log.info("Deleted {} credentials parameter(s) under {}", names.size(), path);
  }
}
