package dev.precache.workflows;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a node must share with the build instance to use its volume: the containerd snapshotter that unpacked the
 * images (Bottlerocket wipes {@code /var/lib/containerd} at boot when {@code settings.container-runtime.snapshotter}
 * differs from the one that wrote it: bottlerocket-core-kit#580/#582) and the Bottlerocket variant, e.g.
 * {@code aws-k8s-1.33-nvidia}. Recorded on the snapshot as tags.
 *
 * @param snapshotter {@code overlayfs} (Bottlerocket's default) or {@code soci}
 * @param variant     the variant of the build's AMI parameter, or null when the parameter is not one of
 *                    Bottlerocket's public ones
 */
public record SnapshotCompatibility(String snapshotter, String variant) {

  public static final String SNAPSHOTTER_TAG = "precache:snapshotter";
  public static final String VARIANT_TAG = "precache:variant";
  /** {@code settings.container-runtime.snapshotter} when user data leaves it out. */
  public static final String DEFAULT_SNAPSHOTTER = "overlayfs";
  /** The variant a snapshot of an older precache (no tag) was built with: the default AMI's. */
  public static final String DEFAULT_VARIANT = "aws-k8s-1.33";

  /** {@code /aws/service/bottlerocket/<variant>/<arch>/latest/image_id}, Bottlerocket's public AMI parameters. */
  private static final Pattern PUBLIC_PARAMETER =
      Pattern.compile("^/aws/service/bottlerocket/([a-z0-9.-]+)/(x86_64|arm64)/[^/]+/image_id$");

  /**
   * A build's: its instance's user data (deploy/cloudformation/build-instance.yaml) sets no snapshotter, so
   * containerd unpacks with Bottlerocket's default.
   */
  public static SnapshotCompatibility ofBuild(String amiParameter) {
    return new SnapshotCompatibility(DEFAULT_SNAPSHOTTER, variantOf(amiParameter));
  }

  /** The variant named by a public Bottlerocket AMI parameter, or null. */
  public static String variantOf(String amiParameter) {
    Matcher matcher = amiParameter == null ? null : PUBLIC_PARAMETER.matcher(amiParameter);
    return matcher != null && matcher.matches() ? matcher.group(1) : null;
  }

  /** As a snapshot's tags say; a snapshot without them was built by an older precache with the defaults. */
  public static SnapshotCompatibility fromTags(Map<String, String> tags) {
    return new SnapshotCompatibility(tags.getOrDefault(SNAPSHOTTER_TAG, DEFAULT_SNAPSHOTTER), tags.get(VARIANT_TAG));
  }

  public Map<String, String> tags() {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(SNAPSHOTTER_TAG, snapshotter);
    if (variant != null) {
      tags.put(VARIANT_TAG, variant);
    }
    return tags;
  }

  /**
   * The variant without its NVIDIA flavour: {@code aws-k8s-1.33-nvidia} → {@code aws-k8s-1.33}. Both ship the same
   * containerd, so they read the same volume; the NVIDIA one never brings SSM up without a GPU (bottlerocket#4435).
   */
  public static String withoutNvidia(String variant) {
    return variant.replaceFirst("-nvidia$", "");
  }
}
