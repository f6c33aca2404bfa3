package dev.precache.simulator.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.simulator.SimulatorServer;
import dev.precache.simulator.instance.CatalogImage;
import dev.precache.simulator.instance.CatalogImage.PlatformManifest;
import dev.precache.simulator.instance.OciDocument;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulator's registries read by the clients users have: go-containerregistry's crane and Debian's skopeo,
 * through the Bearer token flow (public registries) and Basic AWS:password (ECR), with digests and sizes
 * compared to the catalog's.
 */
class RegistryClientsTest {
  private static final String NGINX = "docker.io/library/nginx:1.27";
  private static final String LLAMA = "quay.io/redhat-ai-services/modelcar-catalog:llama-3.1-8b-instruct";
  private static final String ECR_HOST = "123456789012.dkr.ecr.us-west-2.amazonaws.com";
  private static final String PRIVATE = ECR_HOST + "/precache/sample-model:v1";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static SimulatorServer server;

  @TempDir
  Path home;

  @BeforeAll
  static void start() throws IOException {
    server = SimulatorServer.ephemeral(0.01).start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** The reference as a client types it, with the registry host swapped for its loopback listener. */
  private static String local(String reference) {
    String host = reference.substring(0, reference.indexOf('/'));
    return server.registryEndpoints().get(host).getAuthority() + reference.substring(host.length());
  }

  private static CatalogImage catalog(String reference) {
    return server.cloud().catalog().find(reference).orElseThrow();
  }

  @Test
  void endpointsCoverEveryRegistryHostOnLoopbackAndTheAdminApiListsThem() throws Exception {
    Map<String, URI> endpoints = server.registryEndpoints();
    assertThat(endpoints).containsKeys("docker.io", "quay.io", "ghcr.io", "nvcr.io", "registry.k8s.io",
        "public.ecr.aws", ECR_HOST);
    assertThat(endpoints.values()).allMatch(uri -> uri.getHost().equals("127.0.0.1") && uri.getPort() > 0)
        .doesNotHaveDuplicates();
    HttpResponse<String> listed = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(server.endpoint() + "/_sim/registries")).build(),
        HttpResponse.BodyHandlers.ofString());
    JsonNode body = JSON.readTree(listed.body());
    endpoints.forEach((host, uri) -> assertThat(body.path(host).asText()).isEqualTo(uri.toString()));
  }

  @Test
  void craneReadsTheIndexManifestConfigAndTagsThroughTheTokenFlow() throws Exception {
    CatalogImage nginx = catalog(NGINX);
    PlatformManifest arm64 = nginx.platform("linux/arm64").orElseThrow();

    assertThat(crane("digest", local(NGINX)).stdout().strip()).isEqualTo(nginx.indexDigest());
    JsonNode index = JSON.readTree(crane("manifest", local(NGINX)).stdout());
    assertThat(index.path("mediaType").asText()).isEqualTo(OciDocument.INDEX);
    assertThat(index.findValuesAsText("digest"))
        .containsExactly(nginx.platform("amd64").orElseThrow().digest(), arm64.digest());
    assertThat(index.path("manifests").get(1).path("platform").path("variant").asText()).isEqualTo("v8");

    assertThat(crane("digest", "--platform", "linux/arm64", local(NGINX)).stdout().strip()).isEqualTo(arm64.digest());
    JsonNode manifest = JSON.readTree(crane("manifest", "--platform", "linux/arm64", local(NGINX)).stdout());
    List<Long> layerSizes = new ArrayList<>();
    manifest.path("layers").forEach(layer -> layerSizes.add(layer.path("size").asLong()));
    assertThat(layerSizes).isEqualTo(arm64.layers().stream().map(CatalogImage.Layer::size).toList());

    JsonNode config = JSON.readTree(crane("config", "--platform", "linux/arm64", local(NGINX)).stdout());
    assertThat(config.path("architecture").asText()).isEqualTo("arm64");
    assertThat(config.path("rootfs").path("diff_ids").get(0).asText()).isEqualTo(arm64.layers().get(0).diffId());

    String host = local(NGINX).substring(0, local(NGINX).indexOf('/'));
    assertThat(crane("ls", host + "/library/nginx").stdout().lines()).containsExactly("1.27", "latest");
  }

  @Test
  void unknownTagsAndRepositoriesFailWithTheirOciErrors() throws Exception {
    Result tag = crane("digest", local("docker.io/library/nginx:0.0-nope"));
    assertThat(tag.exitCode()).isNotZero();
    assertThat(tag.stderr()).contains("MANIFEST_UNKNOWN");
    Result repository = crane("digest", local("docker.io/library/no-such-image:1"));
    assertThat(repository.exitCode()).isNotZero();
    assertThat(repository.stderr()).contains("NAME_UNKNOWN");
  }

  @Test
  void craneReachesEcrOnlyWithAnIssuedPassword() throws Exception {
    Result anonymous = crane("digest", local(PRIVATE));
    assertThat(anonymous.exitCode()).isNotZero();
    assertThat(anonymous.stderr()).contains("UNAUTHORIZED");

    String host = local(PRIVATE).substring(0, local(PRIVATE).indexOf('/'));
    assertThat(crane("auth", "login", host, "-u", "AWS", "-p", "made-up").exitCode()).isZero(); // stored, not checked
    assertThat(crane("digest", local(PRIVATE)).stderr()).contains("UNAUTHORIZED");

    String password = server.cloud().catalog().issueEcrAuthorization("123456789012", "us-west-2").password();
    assertThat(crane("auth", "login", host, "-u", "AWS", "-p", password).exitCode()).isZero();
    assertThat(crane("digest", local(PRIVATE)).stdout().strip()).isEqualTo(catalog(PRIVATE).indexDigest());
  }

  @Test
  void skopeoInspectsSizesAndDigestsAnonymouslyAndWithEcrCredentials() throws Exception {
    PlatformManifest amd64 = catalog(LLAMA).platform("amd64").orElseThrow();
    JsonNode inspected = JSON.readTree(skopeo("inspect", "--tls-verify=false", "--no-creds",
        "--override-os", "linux", "--override-arch", "amd64", "docker://" + local(LLAMA)).stdout());
    // skopeo reports the digest of what the tag names (the index); the layers are the chosen platform's.
    assertThat(inspected.path("Digest").asText()).isEqualTo(catalog(LLAMA).indexDigest());
    assertThat(inspected.path("Architecture").asText()).isEqualTo("amd64");
    List<String> layers = new ArrayList<>();
    inspected.path("Layers").forEach(layer -> layers.add(layer.asText()));
    assertThat(layers).isEqualTo(amd64.layers().stream().map(CatalogImage.Layer::digest).toList());
    JsonNode manifest = JSON.readTree(skopeo("inspect", "--raw", "--tls-verify=false", "--no-creds",
        "docker://" + local(LLAMA).replace(":llama-3.1-8b-instruct", "@" + amd64.digest())).stdout());
    List<Long> sizes = new ArrayList<>();
    manifest.path("layers").forEach(layer -> sizes.add(layer.path("size").asLong()));
    assertThat(sizes).isEqualTo(amd64.layers().stream().map(CatalogImage.Layer::size).toList());
    JsonNode raw = JSON.readTree(skopeo("inspect", "--raw", "--tls-verify=false", "--no-creds",
        "docker://" + local(LLAMA)).stdout());
    assertThat(raw.path("manifests").get(0).path("digest").asText()).isEqualTo(amd64.digest());

    Result denied = skopeo("inspect", "--raw", "--tls-verify=false", "--creds", "AWS:wrong", "docker://" + local(PRIVATE));
    assertThat(denied.exitCode()).isNotZero();
    assertThat(denied.stderr()).containsIgnoringCase("unauthorized");
    String password = server.cloud().catalog().issueEcrAuthorization("123456789012", "us-west-2").password();
    JsonNode privateIndex = JSON.readTree(skopeo("inspect", "--raw", "--tls-verify=false", "--creds",
        "AWS:" + password, "docker://" + local(PRIVATE)).stdout());
    assertThat(privateIndex.path("manifests").size()).isEqualTo(2);
  }

  @Test
  void aRebuiltTagServesNewDigestsAndTheOldOnesByDigest() throws Exception {
    String reference = "docker.io/library/python:3.12-slim";
    CatalogImage before = catalog(reference);
    HttpResponse<String> rebuilt = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(server.endpoint() + "/_sim/registry/rebuild"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"reference\": \"" + reference + "\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(rebuilt.statusCode()).isEqualTo(200);
    CatalogImage after = catalog(reference);
    assertThat(JSON.readTree(rebuilt.body()).path("indexDigest").asText()).isEqualTo(after.indexDigest());
    assertThat(after.indexDigest()).isNotEqualTo(before.indexDigest());
    assertThat(after.platform("amd64").orElseThrow().layers().get(0))
        .isEqualTo(before.platform("amd64").orElseThrow().layers().get(0)); // the base stays shared

    assertThat(crane("digest", local(reference)).stdout().strip()).isEqualTo(after.indexDigest());
    String byOldDigest = local(reference).replace(":3.12-slim", "@" + before.indexDigest());
    assertThat(crane("digest", byOldDigest).stdout().strip()).isEqualTo(before.indexDigest());
  }

  @Test
  void injectedTooManyRequestsCarriesRetryAfter() throws Exception {
    server.cloud().faults().addRegistryError("^ghcr\\.io$", "TOOMANYREQUESTS", 1.0, 17);
    try {
      URI base = server.registryEndpoints().get("ghcr.io");
      HttpClient http = HttpClient.newHttpClient();
      String token = JSON.readTree(http.send(HttpRequest.newBuilder(
              URI.create(base + "/token?service=ghcr.io&scope=repository:llm-d/llm-d:pull")).build(),
          HttpResponse.BodyHandlers.ofString()).body()).path("token").asText();
      HttpResponse<String> limited = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/llm-d/llm-d/manifests/v0.2.0"))
          .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(limited.statusCode()).isEqualTo(429);
      assertThat(limited.headers().firstValue("Retry-After")).hasValue("17");
      assertThat(JSON.readTree(limited.body()).path("errors").get(0).path("code").asText()).isEqualTo("TOOMANYREQUESTS");
    } finally {
      server.cloud().faults().clear();
    }
  }

  @Test
  void manifestAndBlobHeadsCarryDigestAndLength() throws Exception {
    CatalogImage llama = catalog(LLAMA);
    PlatformManifest amd64 = llama.platform("amd64").orElseThrow();
    URI base = server.registryEndpoints().get("quay.io");
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> challenge = http.send(HttpRequest.newBuilder(
        URI.create(base + "/v2/redhat-ai-services/modelcar-catalog/manifests/llama-3.1-8b-instruct"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(challenge.statusCode()).isEqualTo(401);
    assertThat(challenge.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"" + base
        + "/token\",service=\"quay.io\",scope=\"repository:redhat-ai-services/modelcar-catalog:pull\"");
    String token = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base
        + "/token?service=quay.io&scope=repository:redhat-ai-services/modelcar-catalog:pull")).build(),
        HttpResponse.BodyHandlers.ofString()).body()).path("access_token").asText();

    HttpResponse<String> index = http.send(HttpRequest.newBuilder(
        URI.create(base + "/v2/redhat-ai-services/modelcar-catalog/manifests/llama-3.1-8b-instruct"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).header("Authorization", "Bearer " + token).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(index.headers().firstValue("Docker-Content-Digest")).hasValue(llama.indexDigest());
    assertThat(index.headers().firstValue("Content-Type")).hasValue(OciDocument.INDEX);
    assertThat(index.headers().firstValueAsLong("Content-Length")).hasValue(llama.index().size());

    CatalogImage.Layer shard = amd64.layers().get(1);
    HttpResponse<String> blob = http.send(HttpRequest.newBuilder(
        URI.create(base + "/v2/redhat-ai-services/modelcar-catalog/blobs/" + shard.digest()))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).header("Authorization", "Bearer " + token).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(blob.statusCode()).isEqualTo(200);
    assertThat(blob.headers().firstValueAsLong("Content-Length")).hasValue(shard.size());

    HttpResponse<byte[]> manifest = http.send(HttpRequest.newBuilder(
        URI.create(base + "/v2/redhat-ai-services/modelcar-catalog/manifests/" + amd64.digest()))
        .header("Accept", OciDocument.MANIFEST).header("Authorization", "Bearer " + token).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(OciDocument.sha256Of(manifest.body())).isEqualTo(amd64.digest());
  }

  private record Result(int exitCode, String stdout, String stderr) {}

  private Result crane(String... args) throws Exception {
    Path crane = RequiredTool.onPathOr("crane", List.of(Path.of(System.getProperty("user.home"), "go", "bin", "crane")));
    List<String> command = new ArrayList<>(List.of(crane.toString()));
    command.addAll(Arrays.asList(args));
    if (!args[0].equals("auth")) {
      command.add("--insecure");
    }
    return run(command);
  }

  private Result skopeo(String... args) throws Exception {
    Path skopeo = RequiredTool.onPathOr("skopeo", List.of(Path.of("/usr/bin/skopeo")));
    List<String> command = new ArrayList<>(List.of(skopeo.toString()));
    command.addAll(Arrays.asList(args));
    return run(command);
  }

  /** Runs with a private HOME and docker config, so no credentials from the machine take part. */
  private Result run(List<String> command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("HOME", home.toString());
    builder.environment().put("DOCKER_CONFIG", home.resolve(".docker").toString());
    builder.environment().put("REGISTRY_AUTH_FILE", home.resolve("auth.json").toString());
    Path out = Files.createTempFile(home, "out", ".txt");
    Path err = Files.createTempFile(home, "err", ".txt");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("timed out: " + command);
    }
    return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
