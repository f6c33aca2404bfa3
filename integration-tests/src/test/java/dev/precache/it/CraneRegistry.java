package dev.precache.it;

import dev.precache.worker.LoopbackPorts;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real OCI registry on a loopback port, go-containerregistry's ({@code crane registry serve}), filled with
 * {@code crane} itself, so images, indexes and digests are made by a third-party client and served by a
 * third-party server. No auth: the token and Basic flows are proven against the simulator's registry.
 */
final class CraneRegistry implements BeforeAllCallback, AfterAllCallback {
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

  private Path crane;
  private Path work;
  private int port;
  private ChildProcess process;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    crane = RequiredTool.onPathOr("crane", List.of());
    work = BuildDirectory.newDirectory("crane-registry-");
    port = LoopbackPorts.reserve();
    process = ChildProcess.start("crane registry",
        List.of(crane.toString(), "registry", "serve", "--address", LoopbackPorts.HOST + ":" + port), Map.of(),
        work.resolve("registry.log"));
    awaitReady();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (process != null) {
      process.close();
    }
  }

  /** {@code http://127.0.0.1:PORT}, for a registry endpoint mapping. */
  URI endpoint() {
    return URI.create("http://" + host());
  }

  String host() {
    return LoopbackPorts.HOST + ":" + port;
  }

  /** A gzipped tar layer of one file with {@code content}. */
  Path layer(String name, String content) throws IOException, InterruptedException {
    Path dir = Files.createDirectories(work.resolve("layer-" + name));
    Files.writeString(dir.resolve(name + ".txt"), content);
    Path tarball = work.resolve(name + ".tar.gz");
    run(List.of("tar", "czf", tarball.toString(), "-C", dir.toString(), name + ".txt"));
    return tarball;
  }

  /** Pushes a single-platform image of {@code layers} as {@code repository:tag}; returns its manifest digest. */
  String pushImage(String repository, String tag, String platform, Path... layers)
      throws IOException, InterruptedException {
    String reference = host() + "/" + repository + ":" + tag;
    List<String> append = new ArrayList<>(List.of(crane.toString(), "append", "--oci-empty-base", "-t", reference));
    for (Path layer : layers) {
      append.addAll(List.of("-f", layer.toString()));
    }
    run(append);
    run(List.of(crane.toString(), "mutate", reference, "--set-platform", platform, "-t", reference));
    return digest(repository + ":" + tag);
  }

  /** Pushes an index of the given tags' images as {@code repository:tag}; returns its digest. */
  String pushIndex(String repository, String tag, String... imageTags) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(crane.toString(), "index", "append", "-t",
        host() + "/" + repository + ":" + tag));
    for (String imageTag : imageTags) {
      command.addAll(List.of("-m", host() + "/" + repository + ":" + imageTag));
    }
    run(command);
    return digest(repository + ":" + tag);
  }

  /** What {@code crane digest} says {@code repository:tag} points to. */
  String digest(String repositoryAndTag) throws IOException, InterruptedException {
    return run(List.of(crane.toString(), "digest", host() + "/" + repositoryAndTag)).strip();
  }

  /** What {@code crane manifest} prints for {@code repository@digest} or {@code repository:tag}. */
  String manifest(String reference) throws IOException, InterruptedException {
    return run(List.of(crane.toString(), "manifest", host() + "/" + reference));
  }

  private String run(List<String> command) throws IOException, InterruptedException {
    Process started = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(started.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (started.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
    }
    return output;
  }

  private void awaitReady() throws InterruptedException {
    process.awaitHttpOk(endpoint().resolve("/v2/"), STARTUP_TIMEOUT, Duration.ofMillis(100));
  }
}
