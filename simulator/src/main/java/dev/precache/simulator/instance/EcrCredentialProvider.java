package dev.precache.simulator.instance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.precache.simulator.instance.Job.Io;
import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kubelet image credential provider Bottlerocket's Kubernetes variants ship for ECR, at
 * {@value #PATH} (bottlerocket-core-kit packages/ecr-credential-provider-1.33/*.spec; the program is
 * kubernetes/cloud-provider-aws cmd/ecr-credential-provider). It reads a {@code CredentialProviderRequest} (API
 * {@code credentialprovider.kubelet.k8s.io/v1}) on stdin, calls ECR GetAuthorizationToken in the image's region with
 * the instance role's credentials from IMDS, and writes a {@code CredentialProviderResponse} holding
 * {@code username} AWS and the password for the image's registry host. Errors go to stderr, exit status 1.
 */
final class EcrCredentialProvider {
  static final String PATH = "/usr/libexec/kubernetes/kubelet/plugins/ecr-credential-provider";
  static final String API_VERSION = "credentialprovider.kubelet.k8s.io/v1";
  /** An estimate: the plugin starts, reads IMDS credentials and makes one HTTPS call; no public measurement. */
  private static final long MILLIS = 300;
  /** cloud-provider-aws's ecrPrivateHostPattern, less the ISO partitions. */
  private static final Pattern ECR_HOST =
      Pattern.compile("^(\\d{12})\\.dkr\\.ecr(-fips)?\\.([a-zA-Z0-9][a-zA-Z0-9-_]*)\\.amazonaws\\.com(\\.cn)?$");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RegistryCatalog catalog;
  private final InstanceRole role;

  EcrCredentialProvider(RegistryCatalog catalog, InstanceRole role) {
    this.catalog = catalog;
    this.role = role;
  }

  Job create(List<String> args, Io io) {
    return new TimedJob(io, MILLIS, () -> {
      try {
        io.stdout().append(respond(io.stdin())).append('\n');
        return 0;
      } catch (ProviderError e) {
        io.stderr().append("E0000 main.go] Error running credential provider plugin: ").append(e.getMessage())
            .append('\n');
        return 1;
      }
    });
  }

  private String respond(String stdin) throws ProviderError {
    JsonNode request;
    try {
      request = JSON.readTree(stdin);
    } catch (IOException e) {
      throw new ProviderError("couldn't get version/kind; json parse error: invalid character in JSON input");
    }
    if (request == null || !request.isObject()) {
      throw new ProviderError("couldn't get version/kind; json parse error: unexpected end of JSON input");
    }
    String apiVersion = request.path("apiVersion").asText();
    if (!apiVersion.equals(API_VERSION)) {
      throw new ProviderError("group version " + apiVersion + " is not supported");
    }
    if (!request.path("kind").asText().equals("CredentialProviderRequest")) {
      throw new ProviderError("kind was \"" + request.path("kind").asText() + "\", expected CredentialProviderRequest");
    }
    String image = request.path("image").asText();
    String host = image.replaceFirst("^[a-z]+://", "").split("/", 2)[0];
    Matcher ecr = ECR_HOST.matcher(host);
    if (!ecr.matches()) {
      throw new ProviderError(host + " is not a valid ECR repository URL");
    }
    if (!role.hasCredentials()) {
      throw new ProviderError("operation error ECR: GetAuthorizationToken, get identity: get credentials: failed to "
          + "refresh cached credentials, no EC2 IMDS role found, operation error ec2imds: GetMetadata, http response "
          + "error StatusCode: 404, request to EC2 IMDS failed");
    }
    if (!role.allows("ecr:GetAuthorizationToken", "*")) {
      throw new ProviderError("operation error ECR: GetAuthorizationToken, https response error StatusCode: 400, "
          + "api error AccessDeniedException: User: " + role.callerArn() + " is not authorized to perform: "
          + "ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the "
          + "ecr:GetAuthorizationToken action");
    }
    EcrAuthorization authorization = catalog.issueEcrAuthorization(ecr.group(1), ecr.group(3));
    ObjectNode response = JSON.createObjectNode()
        .put("kind", "CredentialProviderResponse")
        .put("apiVersion", API_VERSION)
        .put("cacheKeyType", "Registry")
        .put("cacheDuration", "6h0m0s");
    response.putObject("auth").putObject(host).put("username", "AWS").put("password", authorization.password());
    return response.toString();
  }

  private static final class ProviderError extends Exception {
    ProviderError(String message) {
      super(message);
    }
  }
}
