package dev.precache.starter;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FieldValidateable;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.net.HttpURLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Sets one {@code blockDeviceMappings} entry of an EC2NodeClass on a cluster, keeping its other devices.
 *
 * <p>The CRD's list is atomic (no {@code x-kubernetes-list-type}), so a server-side apply of the entry alone would
 * replace the whole list. Instead: read the class, put the entry into its list ({@link BlockDeviceMappings}), and
 * server-side apply that list as field manager {@value #FIELD_MANAGER} with the read {@code resourceVersion} as
 * precondition. The precondition makes it a read-modify-write: a class changed in between is re-read, never
 * overwritten. Force takes the list over from the manager that wrote it (kubectl, a GitOps controller), which is
 * what setting the snapshot means; precache owns nothing else of the class. Unlike an update, which prunes fields
 * a CRD lacks, a server-side apply refuses them (and strict field validation says so for any other): on a cluster
 * whose Karpenter predates {@code volumeInitializationRate} the apply fails naming it, instead of a node restoring
 * lazily while precache reported the rate set.
 */
final class NodeClassApplier implements AutoCloseable {
  static final String FIELD_MANAGER = "precache";
  static final ResourceDefinitionContext EC2_NODE_CLASS = new ResourceDefinitionContext.Builder()
      .withGroup("karpenter.k8s.aws").withVersion("v1").withKind("EC2NodeClass").withPlural("ec2nodeclasses")
      .withNamespaced(false).build();
  private static final int ATTEMPTS = 3;
  private static final int REQUEST_RETRIES = 2;

  /** What a cluster without a kubeconfig context (the in-cluster service account) is called in the snapshot's tag. */
  static final String IN_CLUSTER = "in-cluster";

  private final KubernetesClient client;
  private final String where;
  private final String contextName;

  private NodeClassApplier(KubernetesClient client, String where, String contextName) {
    this.client = client;
    this.where = where;
    this.contextName = contextName;
  }

  /**
   * What an apply changed.
   *
   * @param devices            the class's list as the server stored it
   * @param previousSnapshotId the {@code /dev/xvdb} snapshot the class named just before, or null
   */
  record Applied(List<?> devices, String previousSnapshotId) {}

  /** The class as the snapshot's {@code precache:nodeclass} tag names it: {@code <context or in-cluster>/<name>}. */
  String tagValue(String name) {
    return contextName + "/" + name;
  }

  /**
   * A client from {@code kubeconfig} (null: $KUBECONFIG, ~/.kube/config, else the in-cluster service account) and
   * {@code context} (null: the current one).
   *
   * @throws CliError exit 2 when the kubeconfig cannot be read or has no such context
   */
  static NodeClassApplier connect(Path kubeconfig, String context) {
    Config config;
    try {
      if (kubeconfig != null) {
        if (!Files.isReadable(kubeconfig)) {
          throw CliError.usage("invalid --kubeconfig", "cannot read " + kubeconfig, null);
        }
        config = Config.fromKubeconfig(context, kubeconfig.toFile());
      } else {
        config = Config.autoConfigure(context);
      }
    } catch (KubernetesClientException e) {
      throw CliError.usage(context == null ? "invalid kubeconfig" : "invalid --context", e.getMessage(), null);
    }
    if (context != null && (config.getCurrentContext() == null || !context.equals(config.getCurrentContext().getName()))) {
      throw CliError.usage("invalid --context", "no context " + context + " in "
          + (kubeconfig == null ? "the kubeconfig" : kubeconfig), null);
    }
    // fabric8 retries a 5xx up to 10 times, pausing longer each time (20 s in all here); some refusals are 500s (an
    // apply of a field the CRD lacks, kubernetes' typed-patch error): ride out a blip, do not hang on an answer.
    config.setRequestRetryBackoffLimit(REQUEST_RETRIES);
    return new NodeClassApplier(new KubernetesClientBuilder().withConfig(config).build(), config.getMasterUrl(),
        config.getCurrentContext() == null ? IN_CLUSTER : config.getCurrentContext().getName());
  }

  /**
   * Sets {@code entry} on the EC2NodeClass {@code name}; returns the class's list as the server stored it and the
   * snapshot its entry named in the version the apply replaced.
   *
   * @throws CliError exit 1 when the class is missing or the server refuses (its schema validation names the field)
   */
  Applied apply(String name, Map<String, Object> entry) {
    for (int attempt = 1; ; attempt++) {
      GenericKubernetesResource live = read(name);
      GenericKubernetesResource change = new GenericKubernetesResource();
      change.setApiVersion(EC2_NODE_CLASS.getGroup() + "/" + EC2_NODE_CLASS.getVersion());
      change.setKind(EC2_NODE_CLASS.getKind());
      ObjectMeta metadata = new ObjectMeta();
      metadata.setName(name);
      metadata.setResourceVersion(live.getMetadata().getResourceVersion());
      change.setMetadata(metadata);
      change.setAdditionalProperty("spec", Map.of("blockDeviceMappings",
          BlockDeviceMappings.withEntry(live.get("spec", "blockDeviceMappings"), entry)));
      try {
        GenericKubernetesResource applied = client.genericKubernetesResources(EC2_NODE_CLASS).resource(change)
            .fieldValidation(FieldValidateable.Validation.STRICT)
            .fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
        return new Applied(applied.get("spec", "blockDeviceMappings"),
            snapshotOf(live.get("spec", "blockDeviceMappings"), (String) entry.get("deviceName")));
      } catch (KubernetesClientException e) {
        if (e.getCode() == HttpURLConnection.HTTP_CONFLICT && attempt < ATTEMPTS) {
          continue; // changed since it was read: read it again
        }
        throw refused(name, e);
      }
    }
  }

  private static String snapshotOf(List<?> devices, String deviceName) {
    if (devices == null) {
      return null;
    }
    for (Object device : devices) {
      if (device instanceof Map<?, ?> map && deviceName.equals(map.get("deviceName"))
          && map.get("ebs") instanceof Map<?, ?> ebs && ebs.get("snapshotID") instanceof String snapshotId) {
        return snapshotId;
      }
    }
    return null;
  }

  /**
   * The class's {@code spec}, for {@link NodeClassCompatibility}.
   *
   * @throws CliError exit 1 when the cluster cannot be reached or has no EC2NodeClass {@code name}
   */
  Object spec(String name) {
    return read(name).get("spec");
  }

  /** @throws CliError exit 1 when the cluster cannot be reached or has no EC2NodeClass {@code name} */
  void check(String name) {
    read(name);
  }

  private GenericKubernetesResource read(String name) {
    GenericKubernetesResource live;
    try {
      live = client.genericKubernetesResources(EC2_NODE_CLASS).withName(name).get();
    } catch (KubernetesClientException e) {
      throw refused(name, e);
    }
    if (live == null) {
      throw CliError.failed("no EC2NodeClass " + name, "not found on " + where,
          "kubectl get ec2nodeclasses lists them; nothing was changed");
    }
    return live;
  }

  private CliError refused(String name, KubernetesClientException e) {
    Status status = e.getStatus();
    String why;
    if (status != null && status.getDetails() != null && status.getDetails().getCauses() != null
        && !status.getDetails().getCauses().isEmpty()) {
      why = status.getDetails().getCauses().stream().map(NodeClassApplier::cause).collect(Collectors.joining("; "));
    } else if (status != null && status.getMessage() != null) {
      why = status.getMessage();
    } else {
      why = e.getMessage();
    }
    String what = e.getCode() == 0 ? "cannot reach the Kubernetes API server " + where
        : "the Kubernetes API server refused EC2NodeClass " + name;
    return CliError.failed(what, why, e.getCode() == 0 ? null : "nothing was changed", e);
  }

  private static String cause(StatusCause cause) {
    return cause.getField() == null ? cause.getMessage() : cause.getField() + ": " + cause.getMessage();
  }

  @Override
  public void close() {
    client.close();
  }
}
