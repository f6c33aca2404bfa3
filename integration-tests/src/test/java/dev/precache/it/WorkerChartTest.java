package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FieldValidateable;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * deploy/helm/precache-worker as an operator meets it: {@code helm lint} and {@code helm template} (the real helm,
 * built by .ci/install-tools) with default values and with each identity and secret variant, every rendered object
 * then sent to a real kube-apiserver (with prometheus-operator's ServiceMonitor and External Secrets'
 * ExternalSecret CRDs installed) as a server-side dry run with strict field validation: the Namespace created for
 * real first, so namespaced objects resolve, and nothing else persisted. Values the chart's schema refuses fail
 * at {@code helm template}; what only the API server knows (quantities, field names) fails at the dry run.
 */
class WorkerChartTest {
  @RegisterExtension
  static final KubeApiServer KUBE = new KubeApiServer(KubeApiServer.KARPENTER_VERSION);

  static final Path CHART = Path.of("../deploy/helm/precache-worker");
  /** The API server's version, so helm renders for the cluster it is checked against. */
  static final String KUBE_VERSION = "1.34.2";
  static final String ROLE_ARN = "arn:aws:iam::111122223333:role/precache-worker";

  private static Path helm;

  @BeforeAll
  static void installChartCrds() throws Exception {
    helm = KubeApiServer.goBinary("helm");
    KUBE.installCrd(KubeApiServer.goModuleFile("github.com/prometheus-operator/prometheus-operator@v0.85.0",
        "example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"));
    KUBE.installCrd(KubeApiServer.goModuleFile("github.com/external-secrets/external-secrets@v0.16.2",
        "config/crds/bases/external-secrets.io_externalsecrets.yaml"));
  }

  static Stream<Arguments> variants() {
    return Stream.of(
        Arguments.of("defaults", List.of(),
            List.of("ServiceAccount", "Secret", "Service", "Deployment", "PodDisruptionBudget", "Job")),
        Arguments.of("irsa", List.of("--set", "aws.identity=irsa", "--set", "aws.roleArn=" + ROLE_ARN,
                "--set", "namespace.create=true", "--set", "serviceMonitor.enabled=true"),
            List.of("Namespace", "ServiceAccount", "Secret", "Service", "Deployment", "PodDisruptionBudget",
                "ServiceMonitor", "Job")),
        Arguments.of("pod-identity-existing-secret-mtls", List.of("--set", "aws.identity=podIdentity",
                "--set", "temporal.secretSource=existingSecret", "--set", "temporal.existingSecret=my-temporal",
                "--set", "temporal.tlsSecret=temporal-mtls", "--set", "namespace.create=true"),
            List.of("Namespace", "ServiceAccount", "Service", "Deployment", "PodDisruptionBudget", "Job")),
        Arguments.of("external-secret", List.of("--set", "temporal.secretSource=externalSecret",
                "--set", "temporal.externalSecret.secretStoreRef.name=aws-secrets-manager",
                "--set", "namespace.create=true", "--set", "serviceMonitor.enabled=true",
                "--set", "podDisruptionBudget.enabled=false", "--set", "searchAttributesJob.enabled=false"),
            List.of("Namespace", "ServiceAccount", "ExternalSecret", "Service", "Deployment", "ServiceMonitor")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void everyRenderedObjectPassesTheServersDryRun(String variant, List<String> values, List<String> kinds)
      throws Exception {
    String namespace = "precache-" + variant;
    Helm lint = helm(withValues(List.of("lint", "--strict", "--kube-version", KUBE_VERSION, CHART.toString()), values));
    assertThat(lint.exitCode()).as("%s", lint).isZero();
    assertThat(lint.out()).contains("1 chart(s) linted, 0 chart(s) failed");

    List<HasMetadata> objects = render(namespace, values);
    // In helm's install order, which puts the Namespace first.
    assertThat(objects).extracting(HasMetadata::getKind).containsExactlyInAnyOrderElementsOf(kinds);
    if (kinds.contains("Namespace")) {
      assertThat(objects.get(0).getKind()).isEqualTo("Namespace");
      KUBE.client().resource(objects.remove(0)).create();
    } else {
      // helm install --create-namespace, or a namespace made beforehand.
      KUBE.client().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
          .create();
    }
    System.out.printf("[%s] kubectl apply --dry-run=server equivalent against kube-apiserver v%s:%n", variant,
        KUBE_VERSION);
    for (HasMetadata object : objects) {
      HasMetadata accepted = dryRun(object);
      assertThat(accepted.getMetadata().getUid()).as("server-assigned uid of %s", name(object)).isNotBlank();
      assertThat(KUBE.client().resource(object).get()).as("%s persisted by a dry run", name(object)).isNull();
      System.out.printf("  %-58s accepted (server dry run, strict fields; uid %s)%n", name(object),
          accepted.getMetadata().getUid());
    }
  }

  /** deploy/kubernetes/worker.yaml, the hand-written manifest: {@code kubectl apply -f} works on an empty cluster. */
  @Test
  void theHandWrittenManifestPassesTooNamespaceFirst() throws IOException {
    List<HasMetadata> objects;
    try (var yaml = Files.newInputStream(Path.of("../deploy/kubernetes/worker.yaml"))) {
      objects = new ArrayList<>(KUBE.client().load(yaml).items());
    }
    assertThat(objects.get(0).getKind()).isEqualTo("Namespace");
    KUBE.client().resource(objects.remove(0)).create();
    for (HasMetadata object : objects) {
      assertThat(dryRun(object).getMetadata().getUid()).isNotBlank();
      assertThat(KUBE.client().resource(object).get()).isNull();
      System.out.printf("  deploy/kubernetes/worker.yaml: %-40s accepted (server dry run, strict fields)%n", name(object));
    }
  }

  @Test
  void theDefaultDeploymentIsNonRootWithProbesOnTheHttpPort() throws Exception {
    List<HasMetadata> objects = render("precache", List.of());
    GenericKubernetesResource deployment = KUBE.client().getKubernetesSerialization().convertValue(
        objects.stream().filter(o -> o.getKind().equals("Deployment")).findFirst().orElseThrow(),
        GenericKubernetesResource.class);
    assertThat((Object) deployment.get("spec", "template", "spec", "securityContext", "runAsNonRoot")).isEqualTo(true);
    assertThat((Object) deployment.get("spec", "template", "spec", "securityContext", "runAsUser")).isEqualTo(65532L);
    List<Object> args = deployment.get("spec", "template", "spec", "containers", 0, "args");
    assertThat(args).containsSubsequence("--metrics-port", "9464", "--metrics-address", "0.0.0.0");
    assertThat((Object) deployment.get("spec", "template", "spec", "containers", 0, "readinessProbe", "httpGet", "path"))
        .isEqualTo("/readyz");
    assertThat((Object) deployment.get("spec", "template", "spec", "containers", 0, "livenessProbe", "httpGet", "path"))
        .isEqualTo("/livez");
    assertThat((Object) deployment.get("spec", "template", "spec", "containers", 0, "securityContext",
        "readOnlyRootFilesystem")).isEqualTo(true);
    // Renaming the flag or a path is a value, not a template change.
    List<HasMetadata> renamed = render("precache", List.of("--set", "http.portFlag=--http-port",
        "--set", "http.readinessPath=/ready"));
    String yaml = KUBE.client().getKubernetesSerialization().asYaml(renamed);
    assertThat(yaml).contains("--http-port", "path: \"/ready\"").doesNotContain("--metrics-port");
  }

  @Test
  void valuesTheSchemaRefusesFailAtTemplateNamingTheValue() throws Exception {
    Helm irsaWithoutRole = helm(List.of("template", "precache-worker", CHART.toString(), "--set", "aws.identity=irsa"));
    assertThat(irsaWithoutRole.exitCode()).as("%s", irsaWithoutRole).isNotZero();
    assertThat(irsaWithoutRole.err()).contains("values don't meet the specifications of the schema", "roleArn");
    assertThat(irsaWithoutRole.out()).isEmpty();

    Helm notAnArn = helm(List.of("template", "precache-worker", CHART.toString(), "--set", "aws.identity=irsa",
        "--set", "aws.roleArn=precache-worker"));
    assertThat(notAnArn.exitCode()).as("%s", notAnArn).isNotZero();
    assertThat(notAnArn.err()).contains("roleArn", "does not match pattern");

    Helm badSource = helm(List.of("template", "precache-worker", CHART.toString(), "--set", "temporal.secretSource=vault"));
    assertThat(badSource.exitCode()).as("%s", badSource).isNotZero();
    assertThat(badSource.err()).contains("secretSource");

    Helm graceTooLong = helm(List.of("template", "precache-worker", CHART.toString(),
        "--set", "worker.shutdownGraceSeconds=90"));
    assertThat(graceTooLong.exitCode()).as("%s", graceTooLong).isNotZero();
    assertThat(graceTooLong.err()).contains("worker.terminationGracePeriodSeconds (60) must exceed "
        + "worker.shutdownGraceSeconds (90)");
    System.out.println("refused at helm template:\n  " + irsaWithoutRole.err().strip() + "\n  "
        + notAnArn.err().strip() + "\n  " + graceTooLong.err().strip());
  }

  @Test
  void whatOnlyTheApiServerKnowsIsRefusedByItAndNothingIsCreated() throws Exception {
    String namespace = "precache-refused";
    KUBE.client().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .create();

    HasMetadata badQuantity = deployment(render(namespace, List.of("--set", "resources.requests.cpu=lots")));
    assertThatThrownBy(() -> dryRun(badQuantity)).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
      System.out.println("refused by the API server: " + e.getStatus().getMessage());
      assertThat(e.getCode()).isIn(400, 422);
      assertThat(e.getMessage()).contains("quantities must match");
    });

    HasMetadata misspelt = deployment(render(namespace,
        List.of("--set-json", "securityContext={\"runAsNonRot\":true}")));
    assertThatThrownBy(() -> dryRun(misspelt)).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
      System.out.println("refused by the API server: " + e.getStatus().getMessage());
      assertThat(e.getMessage()).contains("unknown field", "runAsNonRot");
    });

    assertThat(KUBE.client().apps().deployments().inNamespace(namespace).list().getItems()).isEmpty();
  }

  private static HasMetadata dryRun(HasMetadata object) {
    // fieldValidation and dryRun are on the same operation; the DSL's types offer one after the other only.
    @SuppressWarnings("unchecked")
    Resource<HasMetadata> strict = (Resource<HasMetadata>) KUBE.client().resource(object)
        .fieldValidation(FieldValidateable.Validation.STRICT);
    return strict.dryRun().create();
  }

  private static HasMetadata deployment(List<HasMetadata> objects) {
    return objects.stream().filter(o -> o.getKind().equals("Deployment")).findFirst().orElseThrow();
  }

  private static String name(HasMetadata object) {
    String namespace = object.getMetadata().getNamespace();
    return object.getKind() + " " + (namespace == null ? "" : namespace + "/") + object.getMetadata().getName();
  }

  private static List<HasMetadata> render(String namespace, List<String> values) throws Exception {
    Helm template = helm(withValues(List.of("template", "precache-worker", CHART.toString(), "--namespace", namespace,
        "--kube-version", KUBE_VERSION), values));
    assertThat(template.exitCode()).as("%s", template).isZero();
    return new ArrayList<>(KUBE.client().load(new ByteArrayInputStream(
        template.out().getBytes(StandardCharsets.UTF_8))).items());
  }

  private static List<String> withValues(List<String> command, List<String> values) {
    List<String> all = new ArrayList<>(command);
    all.addAll(values);
    return all;
  }

  record Helm(List<String> command, int exitCode, String out, String err) {}

  private static Helm helm(List<String> args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(helm.toString()));
    command.addAll(args);
    Path dir = BuildDirectory.newDirectory("helm-");
    // helm writes its cache and config under HOME's XDG directories: keep them in the build directory.
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile());
    builder.environment().put("HELM_CACHE_HOME", dir.resolve("cache").toString());
    builder.environment().put("HELM_CONFIG_HOME", dir.resolve("config").toString());
    builder.environment().put("HELM_DATA_HOME", dir.resolve("data").toString());
    int exit = builder.start().waitFor();
    return new Helm(command, exit, Files.readString(dir.resolve("out")),
        Files.readString(dir.resolve("err")));
  }
}
