package dev.precache.activities;

import dev.precache.workflows.BuildFailures;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The commands run on the build instance, in Bottlerocket's admin container through sheltie, and how
 * {@code ctr images ls} is read. Kept to single commands and one pipe, so a small interpreter (the simulator)
 * understands them too.
 */
final class Containerd {

  private static final String CTR = "ctr -a /run/containerd/containerd.sock -n k8s.io";
  private static final String SHELTIE = "apiclient exec admin sheltie ";

  static final String STOP_KUBELET = SHELTIE + "systemctl stop kubelet";
  static final String REMOVE_ALL_IMAGES =
      SHELTIE + "sh -c '" + CTR + " images ls -q | xargs -r " + CTR + " images rm'";
  static final String LIST_IMAGES = SHELTIE + CTR + " images ls";

  /** What may appear in an image reference, a platform or a credentials reference: nothing the shell reads. */
  private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9._/:@+{}-]+");
  private static final Map<String, Long> SIZE_UNITS = Map.of(
      "B", 1L, "KiB", 1L << 10, "MiB", 1L << 20, "GiB", 1L << 30, "TiB", 1L << 40);

  private Containerd() {}

  /**
   * The pull command. Every flag comes before the image reference: containerd 2.x rejects flags after it.
   *
   * @param user {@code user:password} for the registry, or null for an anonymous pull
   */
  static String pull(String image, String platform, String user) {
    StringBuilder command = new StringBuilder(SHELTIE).append(CTR)
        .append(" images pull --label io.cri-containerd.image=managed --platform ").append(shellSafe(platform));
    if (user != null) {
      command.append(" --user ").append(shellSafe(user));
    }
    return command.append(' ').append(shellSafe(image)).toString();
  }

  private static String shellSafe(String word) {
    if (!SHELL_SAFE.matcher(word).matches()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "not a valid image reference or platform: " + word, BuildFailures.INVALID_REQUEST);
    }
    return word;
  }

  /** One line of {@code ctr images ls}: REF TYPE DIGEST SIZE PLATFORMS LABELS. */
  record ListedImage(String ref, String digest, long sizeBytes, List<String> platforms) {

    /** Whether the image is listed for a platform; {@code linux/arm64} also matches {@code linux/arm64/v8}. */
    boolean hasPlatform(String platform) {
      return platforms.stream().anyMatch(listed -> listed.equals(platform) || listed.startsWith(platform + "/"));
    }
  }

  /** The images of a {@code ctr images ls} output; the size column is two words, like {@code 16.2 GiB}. */
  static List<ListedImage> parseImageList(String output) {
    List<ListedImage> images = new ArrayList<>();
    for (String line : output.split("\\R")) {
      String[] columns = line.trim().split("\\s+");
      if (columns.length < 6 || columns[0].equals("REF") || !SIZE_UNITS.containsKey(columns[4])) {
        continue;
      }
      long size = (long) (Double.parseDouble(columns[3]) * SIZE_UNITS.get(columns[4]));
      images.add(new ListedImage(columns[0], columns[2], size, Arrays.asList(columns[5].split(","))));
    }
    return images;
  }
}
