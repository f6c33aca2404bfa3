package dev.precache.it;

import dev.precache.worker.LoopbackPorts;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Kubernetes API server on loopback: etcd and kube-apiserver (both built by .ci/install-tools into
 * GOPATH/bin), a self-signed serving certificate the API server makes itself ({@code --cert-dir}), a static admin
 * token, and Karpenter's real EC2NodeClass CRD from the karpenter-provider-aws Go module, installed and
 * established. {@link #kubeconfig()} is a kubeconfig for it, as a user would have one.
 */
final class KubeApiServer implements BeforeAllCallback, AfterAllCallback {
  /** karpenter-provider-aws module versions .ci/install-tools downloads: the newest, and one from before
   * {@code ebs.volumeInitializationRate}. */
  static final String KARPENTER_VERSION = "v1.15.2";
  static final String KARPENTER_VERSION_WITHOUT_INITIALIZATION_RATE = "v1.0.8";
  static final String CONTEXT = "precache-test";
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration POLL = Duration.ofMillis(100);

  private final String karpenterVersion;
  private ChildProcess etcd;
  private ChildProcess apiServer;
  private Path kubeconfig;
  private KubernetesClient client;

  /** With the EC2NodeClass CRD of karpenter-provider-aws {@code karpenterVersion}. */
  KubeApiServer(String karpenterVersion) {
    this.karpenterVersion = karpenterVersion;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Map<String, Path> go = goEnv();
    Path etcdBinary = RequiredTool.at(go.get("GOPATH").resolve("bin/etcd"));
    Path apiServerBinary = RequiredTool.at(go.get("GOPATH").resolve("bin/kube-apiserver"));
    Path crd = goModuleFile("github.com/aws/karpenter-provider-aws@" + karpenterVersion,
        "pkg/apis/crds/karpenter.k8s.aws_ec2nodeclasses.yaml");
    Path dir = BuildDirectory.newDirectory("kube-apiserver-");

    int etcdPort = LoopbackPorts.reserve();
    int peerPort = LoopbackPorts.reserve();
    String etcdUrl = "http://" + LoopbackPorts.HOST + ":" + etcdPort;
    String peerUrl = "http://" + LoopbackPorts.HOST + ":" + peerPort;
    etcd = ChildProcess.start("etcd", List.of(etcdBinary.toString(), "--name", "precache-test",
        "--data-dir", dir.resolve("etcd").toString(),
        "--listen-client-urls", etcdUrl, "--advertise-client-urls", etcdUrl,
        "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
        "--initial-cluster", "precache-test=" + peerUrl,
        "--unsafe-no-fsync", "--log-level", "warn"), Map.of(), dir.resolve("etcd.log"));
    etcd.awaitHttpOk(URI.create(etcdUrl + "/health"), STARTUP_TIMEOUT, POLL);

    String token = UUID.randomUUID().toString();
    Files.writeString(dir.resolve("tokens.csv"), token + ",precache-admin,precache-admin,system:masters\n");
    Path serviceAccountKey = dir.resolve("service-account.key");
    Files.writeString(serviceAccountKey, rsaPrivateKeyPem());
    Path certDir = dir.resolve("certs");
    int port = LoopbackPorts.reserve();
    apiServer = ChildProcess.start("kube-apiserver", List.of(apiServerBinary.toString(),
        "--etcd-servers", etcdUrl,
        "--bind-address", LoopbackPorts.HOST, "--advertise-address", LoopbackPorts.HOST,
        "--secure-port", String.valueOf(port), "--cert-dir", certDir.toString(),
        "--token-auth-file", dir.resolve("tokens.csv").toString(),
        "--authorization-mode", "RBAC",
        "--service-account-issuer", "https://kubernetes.default.svc",
        "--service-account-key-file", serviceAccountKey.toString(),
        "--service-account-signing-key-file", serviceAccountKey.toString(),
        "--service-cluster-ip-range", "10.96.0.0/24",
        "--enable-priority-and-fairness=false"), Map.of(), dir.resolve("kube-apiserver.log"));

    String server = "https://" + LoopbackPorts.HOST + ":" + port;
    kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters:
          - name: precache-test
            cluster:
              server: %s
              certificate-authority: %s
        users:
          - name: precache-admin
            user:
              token: %s
        contexts:
          - name: %s
            context: {cluster: precache-test, user: precache-admin}
        current-context: %s
        """.formatted(server, certDir.resolve("apiserver.crt"), token, CONTEXT, CONTEXT));
    awaitReady(certDir.resolve("apiserver.crt"));
    client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(null, kubeconfig.toFile())).build();
    installCrd(crd);
  }

  /** {@code /readyz} answers 200 once every post-start hook ran; the certificate exists once the server listens. */
  private void awaitReady(Path certificate) throws InterruptedException, IOException {
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    while (!Files.isRegularFile(certificate)) {
      if (!apiServer.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException(apiServer + " made no certificate:\n" + apiServer.logTail());
      }
      Thread.sleep(POLL.toMillis());
    }
    try (KubernetesClient probe = new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(null, kubeconfig.toFile())).build()) {
      while (true) {
        if (!apiServer.isAlive()) {
          throw new IllegalStateException(apiServer + " exited during startup:\n" + apiServer.logTail());
        }
        try {
          if ("ok".equals(probe.raw("/readyz"))) {
            return;
          }
        } catch (RuntimeException notYet) {
          // still starting
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(apiServer + " not ready within " + STARTUP_TIMEOUT + ":\n" + apiServer.logTail());
        }
        Thread.sleep(POLL.toMillis());
      }
    }
  }

  /** A file of a Go module .ci/install-tools downloaded: {@code GOMODCACHE/module@version/file}. */
  static Path goModuleFile(String moduleAtVersion, String file) throws InterruptedException {
    Path path = goEnv().get("GOMODCACHE").resolve(moduleAtVersion).resolve(file);
    if (!Files.isRegularFile(path)) {
      RequiredTool.at(path); // skips locally, fails in CI, naming the file
    }
    return path;
  }

  /** {@code go env GOPATH}/bin/{@code name}: a tool .ci/install-tools builds. */
  static Path goBinary(String name) throws InterruptedException {
    return RequiredTool.at(goEnv().get("GOPATH").resolve("bin").resolve(name));
  }

  /** Creates the CRD of {@code crd} (a YAML file) and waits until the server serves it. */
  void installCrd(Path crd) throws IOException {
    try (var yaml = Files.newInputStream(crd)) {
      CustomResourceDefinition definition = client.apiextensions().v1().customResourceDefinitions().load(yaml).item();
      client.resource(definition).create();
      client.apiextensions().v1().customResourceDefinitions().withName(definition.getMetadata().getName())
          .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null
              && c.getStatus().getConditions().stream()
              .anyMatch(condition -> "Established".equals(condition.getType()) && "True".equals(condition.getStatus())),
              STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
  }

  Path kubeconfig() {
    return kubeconfig;
  }

  /** A client as admin, for the tests' own reads and writes. */
  KubernetesClient client() {
    return client;
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (client != null) {
      client.close();
    }
    if (apiServer != null) {
      apiServer.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  /** The key kube-apiserver signs service-account tokens with; it refuses to start without one. */
  private static String rsaPrivateKeyPem() throws NoSuchAlgorithmException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(generator.generateKeyPair().getPrivate().getEncoded());
    return "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n";
  }

  /** {@code go env GOPATH GOMODCACHE} (the first GOPATH entry); ~/go and ~/go/pkg/mod when go is absent. */
  private static Map<String, Path> goEnv() throws InterruptedException {
    Path home = Path.of(System.getProperty("user.home"));
    try {
      Process go = new ProcessBuilder("go", "env", "GOPATH", "GOMODCACHE").redirectErrorStream(true).start();
      List<String> lines = new String(go.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
      if (go.waitFor() == 0 && lines.size() == 2) {
        return Map.of("GOPATH", Path.of(lines.get(0).split(File.pathSeparator)[0]), "GOMODCACHE", Path.of(lines.get(1)));
      }
    } catch (IOException goMissing) {
      // fall back to go's defaults
    }
    return Map.of("GOPATH", home.resolve("go"), "GOMODCACHE", home.resolve("go/pkg/mod"));
  }
}
