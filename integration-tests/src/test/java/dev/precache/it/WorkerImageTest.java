package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.worker.LoopbackPorts;
import dev.precache.workflows.BuildSearchAttributes;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.workflowservice.v1.RegisterNamespaceRequest;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The worker image Jib builds into worker/target/precache-worker-image.tar (OCI), checked with third-party tools
 * as an operator would: skopeo reads the archive (config, entrypoint, user, platform, layer sizes); crane pushes
 * it to a real registry on loopback ({@code crane registry serve}), reads it back by digest and exports its
 * filesystem; the exported filesystem then runs as a container runtime would run it — the config's PATH,
 * entrypoint and user, chrooted into the image (its own Java and libraries, nothing of the host's) — and the
 * chart's search-attribute Job command registers the attributes in a fresh namespace of a real Temporal server.
 */
class WorkerImageTest {
  @RegisterExtension
  static final CraneRegistry REGISTRY = new CraneRegistry();
  @RegisterExtension
  static final TemporalDevServer TEMPORAL = new TemporalDevServer();

  static final Path IMAGE = Path.of("../worker/target/precache-worker-image.tar");
  static final Path DIGEST = Path.of("../worker/target/precache-worker-image.digest");
  /** Measured 115 MiB compressed (a 56 MiB runtime, 94 MiB of jars uncompressed); room for growth, not for a JDK. */
  static final long MAX_COMPRESSED_BYTES = 160L * 1024 * 1024;
  static final String MAIN_CLASS = "dev.precache.worker.PrecacheWorker";
  static final ObjectMapper JSON = new ObjectMapper();

  private static Path skopeo;
  private static Path crane;
  private static Path rootfs;
  private static JsonNode config;

  @BeforeAll
  static void pushAndExport() throws Exception {
    if (!Files.isRegularFile(IMAGE)) {
      RequiredTool.at(IMAGE); // not built (mvn -Dimage.skip=true): skips locally, fails in CI
    }
    skopeo = RequiredTool.onPathOr("skopeo", List.of(Path.of("/usr/bin/skopeo")));
    crane = RequiredTool.onPathOr("crane", List.of());
    Path work = BuildDirectory.newDirectory("worker-image-");
    Path layout = Files.createDirectories(work.resolve("oci-layout"));
    run(List.of("tar", "-xf", IMAGE.toString(), "-C", layout.toString()));
    String reference = REGISTRY.host() + "/precache-worker:test";
    run(List.of(crane.toString(), "push", layout.toString(), reference));
    config = JSON.readTree(run(List.of(crane.toString(), "config", reference)));
    System.out.println("crane config " + reference + ":\n" + config.toPrettyString());
    rootfs = Files.createDirectories(work.resolve("rootfs"));
    run(List.of("bash", "-c", "set -o pipefail; \"$0\" export \"$1\" - | tar -x --warning=no-unknown-keyword -C \"$2\"",
        crane.toString(), reference, rootfs.toString()));
  }

  @Test
  void skopeoReadsANonRootLinuxAmd64ImageWithTheWorkersEntrypointUnderTheSizeBound() throws Exception {
    JsonNode archiveConfig = JSON.readTree(run(List.of(skopeo.toString(), "inspect", "--config",
        "oci-archive:" + IMAGE)));
    assertThat(archiveConfig.path("architecture").asText()).isEqualTo("amd64");
    assertThat(archiveConfig.path("os").asText()).isEqualTo("linux");
    JsonNode container = archiveConfig.path("config");
    String version = container.path("Labels").path("org.opencontainers.image.version").asText();
    assertThat(version).matches("[0-9]+\\.[0-9]+\\.[0-9]+(-SNAPSHOT)?");
    assertThat(container.path("User").asText()).isEqualTo("65532:65532");
    assertThat(strings(container.path("Entrypoint")))
        .containsExactly("java", "-XX:MaxRAMPercentage=75", "-Dprecache.version=" + version, "-cp",
            "@/app/jib-classpath-file", MAIN_CLASS);
    assertThat(strings(container.path("Env"))).contains("PATH=/opt/java/bin:/usr/bin:/bin");
    assertThat(container.path("Labels").path("org.opencontainers.image.title").asText()).isEqualTo("precache-worker");

    JsonNode manifest = JSON.readTree(run(List.of(skopeo.toString(), "inspect", "--raw", "oci-archive:" + IMAGE)));
    assertThat(manifest.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.manifest.v1+json");
    long compressed = StreamSupport.stream(manifest.path("layers").spliterator(), false)
        .mapToLong(layer -> layer.path("size").asLong()).sum();
    System.out.printf("skopeo inspect oci-archive:%s: %s/%s, user %s, %d layers, %.1f MiB compressed (bound %d MiB)%n",
        IMAGE.getFileName(), archiveConfig.path("os").asText(), archiveConfig.path("architecture").asText(),
        container.path("User").asText(), manifest.path("layers").size(), compressed / 1048576.0,
        MAX_COMPRESSED_BYTES / 1048576);
    assertThat(compressed).isPositive().isLessThan(MAX_COMPRESSED_BYTES);
  }

  @Test
  void theRegistryServesWhatJibBuiltByItsDigest() throws Exception {
    String digest = Files.readString(DIGEST).strip();
    assertThat(run(List.of(crane.toString(), "digest", REGISTRY.host() + "/precache-worker:test")).strip())
        .isEqualTo(digest);
    JsonNode manifest = JSON.readTree(REGISTRY.manifest("precache-worker@" + digest));
    assertThat(manifest.path("config").path("mediaType").asText()).isEqualTo("application/vnd.oci.image.config.v1+json");
    assertThat(config.path("config").path("User").asText()).isEqualTo("65532:65532");
  }

  @Test
  void theEntrypointRunsInsideTheImageAsItsUser() throws Exception {
    Container run = runEntrypoint(List.of("--version"));
    System.out.println("in the image, " + String.join(" ", entrypoint()) + " --version: " + run.out().strip());
    assertThat(run.exitCode()).as("%s", run).isZero();
    // The version the image is labelled with, as the worker reports it.
    String label = config.path("config").path("Labels").path("org.opencontainers.image.version").asText();
    assertThat(run.out()).isEqualTo("precache worker " + label + "\n");

    Container java = runInImage(Map.of(), List.of("java", "-XshowSettings:properties", "-version"));
    assertThat(java.exitCode()).as("%s", java).isZero();
    assertThat(java.err()).contains("java.home = /opt/java", "user.name = precache", "java.version = 17.");
    assertThat(Files.readString(rootfs.resolve("usr/share/precache/runtime-packages.txt"))).contains("libc6 ");
  }

  @Test
  void theJobsCommandRegistersTheSearchAttributesInAFreshNamespaceOnce() throws Exception {
    String namespace = "precache-image-test";
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(TEMPORAL.target()).build());
    OperatorServiceStubs operator = OperatorServiceStubs.newServiceStubs(
        OperatorServiceStubsOptions.newBuilder().setTarget(TEMPORAL.target()).validateAndBuildWithDefaults());
    try {
      stubs.blockingStub().registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace(namespace)
          .setWorkflowExecutionRetentionPeriod(com.google.protobuf.Duration.newBuilder().setSeconds(86400)).build());
      assertThat(customAttributes(operator, namespace)).doesNotContainKeys("PrecacheStatus", "PrecacheImages");
      List<String> job = List.of("java", "-XX:MaxRAMPercentage=75", "-cp", "@/app/jib-classpath-file",
          "dev.precache.worker.SearchAttributeRegistration");
      Map<String, String> secret = Map.of("TEMPORAL_ADDRESS", TEMPORAL.target(), "TEMPORAL_NAMESPACE", namespace);

      Container first = runInImage(secret, job);
      System.out.println("search-attribute Job in the image, first run:\n" + first.out());
      assertThat(first.exitCode()).as("%s", first).isZero();
      assertThat(first.out()).contains("registered PrecacheImages (KeywordList)", "registered PrecacheStatus (Keyword)")
          .contains("all 6 precache search attributes registered (6 added now)");
      Map<String, IndexedValueType> registered = customAttributes(operator, namespace);
      for (var key : BuildSearchAttributes.ALL) {
        assertThat(registered).containsEntry(key.getName(), key.getValueType());
      }

      Container again = runInImage(secret, job);
      assertThat(again.exitCode()).as("%s", again).isZero();
      assertThat(again.out()).doesNotContain("registered Precache").contains("(0 added now)");

      Container unreachable = runInImage(Map.of("TEMPORAL_ADDRESS", LoopbackPorts.HOST + ":" + LoopbackPorts.reserve(),
          "TEMPORAL_NAMESPACE", namespace), job);
      System.out.println("with no server: " + unreachable.err().strip());
      assertThat(unreachable.exitCode()).isEqualTo(1);
      assertThat(unreachable.err()).contains("error: registering search attributes in namespace '" + namespace
          + "' on 127.0.0.1:", "UNAVAILABLE");
    } finally {
      operator.shutdown();
      stubs.shutdown();
    }
  }

  /** An attribute of builds' name but another type: the Job fails naming it and adds nothing. */
  @Test
  void theJobRefusesAnAttributeOfAnotherTypeAndAddsNothing() throws Exception {
    String namespace = "precache-image-conflict";
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(TEMPORAL.target()).build());
    OperatorServiceStubs operator = OperatorServiceStubs.newServiceStubs(
        OperatorServiceStubsOptions.newBuilder().setTarget(TEMPORAL.target()).validateAndBuildWithDefaults());
    try {
      stubs.blockingStub().registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace(namespace)
          .setWorkflowExecutionRetentionPeriod(com.google.protobuf.Duration.newBuilder().setSeconds(86400)).build());
      customAttributes(operator, namespace);
      operator.blockingStub().addSearchAttributes(io.temporal.api.operatorservice.v1.AddSearchAttributesRequest
          .newBuilder().setNamespace(namespace)
          .putSearchAttributes("PrecacheStatus", IndexedValueType.INDEXED_VALUE_TYPE_TEXT).build());

      Container run = runInImage(Map.of("TEMPORAL_ADDRESS", TEMPORAL.target(), "TEMPORAL_NAMESPACE", namespace),
          List.of("java", "-cp", "@/app/jib-classpath-file", "dev.precache.worker.SearchAttributeRegistration"));
      System.out.println("a conflicting type: " + run.err().strip());
      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.err()).contains("has PrecacheStatus as INDEXED_VALUE_TYPE_TEXT, builds need Keyword");
      assertThat(customAttributes(operator, namespace)).containsEntry("PrecacheStatus",
          IndexedValueType.INDEXED_VALUE_TYPE_TEXT).doesNotContainKeys("PrecacheRegion", "PrecacheImages");
    } finally {
      operator.shutdown();
      stubs.shutdown();
    }
  }

  /** A new namespace reaches the frontend's cache within seconds; until then the operator API says NotFound. */
  private static Map<String, IndexedValueType> customAttributes(OperatorServiceStubs operator, String namespace)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (true) {
      try {
        return operator.blockingStub().listSearchAttributes(
            ListSearchAttributesRequest.newBuilder().setNamespace(namespace).build()).getCustomAttributesMap();
      } catch (StatusRuntimeException notYet) {
        if (Instant.now().isAfter(deadline)) {
          throw notYet;
        }
        Thread.sleep(500);
      }
    }
  }

  record Container(int exitCode, String out, String err) {}

  private static List<String> entrypoint() {
    return strings(config.path("config").path("Entrypoint"));
  }

  private static Container runEntrypoint(List<String> args) throws Exception {
    List<String> command = new ArrayList<>(entrypoint());
    command.addAll(args);
    return runInImage(Map.of(), command);
  }

  /**
   * As a runtime runs a container: the config's Env (and {@code env}), its User, chrooted into the exported
   * filesystem with a /proc of its own (the JVM finds its libraries through /proc/self/exe), host networking.
   */
  private static Container runInImage(Map<String, String> env, List<String> command)
      throws Exception {
    Files.createDirectories(rootfs.resolve("proc"));
    List<String> full = new ArrayList<>(List.of("/usr/bin/env", "-i"));
    full.addAll(strings(config.path("config").path("Env")));
    env.forEach((name, value) -> full.add(name + "=" + value));
    full.addAll(List.of("/usr/bin/unshare", "--mount", "--fork", "--pid", "--mount-proc=" + rootfs.resolve("proc"),
        "/usr/sbin/chroot", "--userspec=" + config.path("config").path("User").asText(), rootfs.toString()));
    full.addAll(command);
    Path dir = BuildDirectory.newDirectory("container-");
    Process process = new ProcessBuilder(full).redirectOutput(dir.resolve("out").toFile())
        .redirectError(dir.resolve("err").toFile()).start();
    int exit = process.waitFor();
    return new Container(exit, Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(value -> values.add(value.asText()));
    return values;
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    // stderr to the test's log: crane and skopeo log there, stdout is what is parsed.
    Process started = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String output = new String(started.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (started.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
    }
    return output;
  }
}
