package dev.precache.starter;

import dev.precache.workflows.SnapshotCompatibility;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether nodes of an EC2NodeClass would use the snapshot's images at all: the warnings {@code nodeclass} prints when
 * the class would make Bottlerocket wipe or bypass the data volume that holds them.
 */
final class NodeClassCompatibility {

  /** {@code snapshotter = "soci"} under {@code [settings.container-runtime]}, or the dotted key. */
  private static final Pattern SNAPSHOTTER = Pattern.compile(
      "(?m)^\\s*(?:settings\\.container-runtime\\.)?snapshotter\\s*=\\s*[\"']([A-Za-z0-9_-]+)[\"']");
  private static final Pattern CONTAINER_RUNTIME_TABLE = Pattern.compile("(?m)^\\s*\\[settings\\.container-runtime]");
  /** {@code /aws/service/bottlerocket/<variant>/<arch>/…}: a class's amiSelectorTerms ssmParameter. */
  private static final Pattern BOTTLEROCKET_PARAMETER = Pattern.compile("^/aws/service/bottlerocket/([a-z0-9.-]+)/");

  private NodeClassCompatibility() {}

  /**
   * @param built the snapshot's snapshotter and variant
   * @param spec  the EC2NodeClass's {@code spec} (a map as read from the cluster or a manifest), or null
   */
  static List<String> warnings(SnapshotCompatibility built, Object spec) {
    List<String> warnings = new ArrayList<>();
    if (!(spec instanceof Map<?, ?> classSpec)) {
      return warnings;
    }
    String userData = userData(classSpec.get("userData"));
    String snapshotter = snapshotterOf(userData);
    if (snapshotter != null && !snapshotter.equals(built.snapshotter())) {
      warnings.add("the class's userData sets settings.container-runtime.snapshotter = \"" + snapshotter + "\", but the"
          + " snapshot's images were unpacked by " + built.snapshotter() + ": Bottlerocket wipes /var/lib/containerd"
          + " at boot when the snapshotter changes (bottlerocket-core-kit#580/#582), so its nodes start without them");
    }
    if ("RAID0".equals(classSpec.get("instanceStorePolicy"))) {
      warnings.add("instanceStorePolicy: RAID0 puts containerd's and kubelet's state on the instance-store array, not"
          + " on /dev/xvdb: nodes would not read the snapshot's images");
    }
    if (userData.contains("ephemeral-storage")) {
      warnings.add("the class's userData runs apiclient ephemeral-storage (bootstrap-commands): a bind of"
          + " /var/lib/containerd to ephemeral storage bypasses /dev/xvdb and the snapshot's images");
    }
    Object terms = classSpec.get("amiSelectorTerms");
    if (terms instanceof List<?> list) {
      for (Object term : list) {
        if (term instanceof Map<?, ?> selector) {
          amiWarning(built, selector).ifPresent(warnings::add);
        }
      }
    }
    return warnings;
  }

  /** What a class must do for its nodes to use the snapshot's images, said when no class was given to check. */
  static String requirements(SnapshotCompatibility built) {
    return "no EC2NodeClass was checked: its nodes use the snapshot's images only with containerd on /dev/xvdb (no"
        + " instanceStorePolicy: RAID0, no ephemeral-storage bind), snapshotter " + built.snapshotter()
        + (built.variant() == null ? "" : " and Bottlerocket " + SnapshotCompatibility.withoutNvidia(built.variant())
            + " (with or without NVIDIA)") + " as it was built; --apply NAME or -o patch --nodeclass-file FILE checks"
        + " a class";
  }

  private static Optional<String> amiWarning(SnapshotCompatibility built, Map<?, ?> term) {
    if (term.get("alias") instanceof String alias && !alias.startsWith("bottlerocket@")) {
      return Optional.of("amiSelectorTerms alias " + alias + " is not Bottlerocket: its nodes do not keep"
          + " containerd's images on /dev/xvdb");
    }
    if (term.get("ssmParameter") instanceof String parameter) {
      Matcher matcher = BOTTLEROCKET_PARAMETER.matcher(parameter);
      String variant = matcher.find() ? matcher.group(1) : null;
      String builtFamily = built.variant() == null ? null : SnapshotCompatibility.withoutNvidia(built.variant());
      if (variant == null) {
        return Optional.of("amiSelectorTerms ssmParameter " + parameter + " is not a Bottlerocket AMI"
            + " parameter: its nodes may not keep containerd's images on /dev/xvdb");
      }
      if (builtFamily != null && !SnapshotCompatibility.withoutNvidia(variant).equals(builtFamily)) {
        return Optional.of("amiSelectorTerms ssmParameter selects Bottlerocket " + variant + ", the snapshot"
            + " was built on " + built.variant() + ": another Kubernetes version ships another containerd, which may"
            + " not read the volume as written");
      }
    }
    return Optional.empty();
  }

  /** The snapshotter the user data sets, or null when it leaves Bottlerocket's default. */
  static String snapshotterOf(String userData) {
    if (!CONTAINER_RUNTIME_TABLE.matcher(userData).find() && !userData.contains("settings.container-runtime.")) {
      return null;
    }
    Matcher matcher = SNAPSHOTTER.matcher(userData);
    return matcher.find() ? matcher.group(1) : null;
  }

  /** Karpenter passes a Bottlerocket class's userData, TOML text, merged into the settings it generates. */
  private static String userData(Object value) {
    return value instanceof String text ? text : "";
  }
}
