package dev.precache.activities;

import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.VolumeUsage;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
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
  /** Kubelet stopped first, so it neither garbage-collects nor pulls while the images are removed. */
  static final String STOP_KUBELET_AND_REMOVE_ALL_IMAGES = STOP_KUBELET + " && " + REMOVE_ALL_IMAGES;
  static final String LIST_IMAGES = SHELTIE + CTR + " images ls";
  static final String LIST_IMAGE_NAMES = LIST_IMAGES + " -q";
  static final String LIST_CONTENT = SHELTIE + CTR + " content ls";
  /** coreutils df, bytes: {@code 1B-blocks Used Avail} and one line of numbers. */
  static final String VOLUME_USAGE = SHELTIE + "df -B1 --output=size,used,avail /var/lib/containerd";
  /** The first {@code mebibytes} of the data volume read and discarded, as AWS's "Initialize Amazon EBS volumes" reads it. */
  static String readDataVolume(long mebibytes) {
    return SHELTIE + "dd if=/dev/xvdb of=/dev/null bs=1M count=" + mebibytes;
  }

  /** Kubelet's image GC never removes an image with this label (containerd#6930). */
  static final String PINNED_LABEL = "io.cri-containerd.pinned=pinned";

  /** What may appear in an image reference or a platform: nothing the shell reads. */
  private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9._/:@+-]+");
  private static final Map<String, Long> SIZE_UNITS = Map.of(
      "B", 1L, "KiB", 1L << 10, "MiB", 1L << 20, "GiB", 1L << 30, "TiB", 1L << 40);

  private Containerd() {}

  /**
   * Bottlerocket's ECR credential provider for kubelet (bottlerocket-core-kit
   * packages/ecr-credential-provider-1.33: kubernetes/cloud-provider-aws cmd/ecr-credential-provider). It reads a
   * CredentialProviderRequest on stdin and answers with AWS and a password for the image's registry, from ECR
   * GetAuthorizationToken called with the instance role's credentials.
   */
  static final String ECR_CREDENTIAL_PROVIDER = "/usr/libexec/kubernetes/kubelet/plugins/ecr-credential-provider";

  /**
   * The pull command: by tag, so the image is stored under the name kubelet looks up (ctr names an image exactly
   * as its reference is written), labelled managed and pinned. Every flag comes before the image reference:
   * containerd 2.x stops reading flags there.
   *
   * <p>From ECR, the host gets the registry password itself: the credential provider's answer is cut down to the
   * password (the host has grep and cut, no jq) and handed to ctr by xargs, so the password exists only in the
   * pipe and ctr's arguments on the instance, never in the command text SSM keeps, its output or the worker.
   * pipefail makes a provider that could not get a token (the role lacks ecr:GetAuthorizationToken) fail the pull
   * with its error, rather than xargs running nothing and the pull "succeeding".
   */
  static String pull(String image, String platform, boolean ecr, boolean clientSide) {
    String ctrPull = ctrPull(platform, clientSide);
    if (!ecr) {
      return SHELTIE + ctrPull + ' ' + shellSafe(image);
    }
    String request = "{\\\"apiVersion\\\":\\\"credentialprovider.kubelet.k8s.io/v1\\\",\\\"kind\\\":"
        + "\\\"CredentialProviderRequest\\\",\\\"image\\\":\\\"" + shellSafe(image) + "\\\"}";
    return SHELTIE + "bash -c 'set -o pipefail && echo \"" + request + "\" | " + ECR_CREDENTIAL_PROVIDER
        + " | grep -o \"\\\"password\\\":\\\"[^\\\"]*\\\"\" | cut -d \"\\\"\" -f 4 | xargs -I {} " + ctrPull
        + " --user AWS:{} " + shellSafe(image) + "'";
  }

  /**
   * The pull of an image whose registry login waits in a SecureString parameter (value: base64 of
   * {@code user:password}, so no JSON escaping can touch it). The admin container has curl and no AWS CLI or jq:
   * IMDSv2 gives a session token, the instance role's name and its temporary credentials (JSON with
   * {@code "Key" : "value"} lines); curl signs SSM GetParameter WithDecryption with them ({@code --aws-sigv4},
   * JSON 1.1); grep, cut and base64 take the login out of {@code "Value":"..."}; sheltie runs ctr on the host with it.
   * The login lives in shell variables and ctr's arguments on the instance only: never in the command text SSM
   * keeps, its output or the worker. A refused read (the role may not read the parameter) prints SSM's error, which
   * then holds no value, and fails the pull.
   */
  static String pullWithParameterLogin(String image, String platform, String region, String parameterName,
      boolean clientSide) {
    String imds = "http://169.254.169.254/latest";
    String metadataToken = "-H \"X-aws-ec2-metadata-token: $token\" ";
    String request = "{\\\"Name\\\":\\\"" + shellSafe(parameterName) + "\\\",\\\"WithDecryption\\\":true}";
    return "apiclient exec admin bash -c 'set -eo pipefail; "
        + "token=$(curl -sS --fail-with-body -X PUT -H \"X-aws-ec2-metadata-token-ttl-seconds: 300\" " + imds + "/api/token); "
        + "role=$(curl -sS --fail-with-body " + metadataToken + imds + "/meta-data/iam/security-credentials/); "
        + "credentials=$(curl -sS --fail-with-body " + metadataToken + imds + "/meta-data/iam/security-credentials/$role); "
        + "key=$(echo \"$credentials\" | " + jsonField("AccessKeyId", " *: *") + "); "
        + "secret=$(echo \"$credentials\" | " + jsonField("SecretAccessKey", " *: *") + "); "
        + "session=$(echo \"$credentials\" | " + jsonField("Token", " *: *") + "); "
        + "response=$(curl -sS --aws-sigv4 aws:amz:" + shellSafe(region) + ":ssm --user \"$key:$secret\" "
        + "-H \"x-amz-security-token: $session\" -H \"X-Amz-Target: AmazonSSM.GetParameter\" "
        + "-H \"Content-Type: application/x-amz-json-1.1\" -d \"" + request + "\" https://ssm." + region
        + ".amazonaws.com/); "
        + "echo \"$response\" | grep -q \"\\\"Value\\\"\" || echo \"ssm GetParameter " + parameterName
        + " with the instance role: $response\"; "
        + "login=$(echo \"$response\" | " + jsonField("Value", ":") + " | base64 -d); "
        + "sheltie " + ctrPull(platform, clientSide) + " --user \"$login\" " + shellSafe(image) + "'";
  }

  /** grep and cut taking a string field's value out of JSON: {@code "name"<separator>"value"}. */
  private static String jsonField(String name, String separator) {
    return "grep -o \"\\\"" + name + "\\\"" + separator + "\\\"[^\\\"]*\\\"\" | cut -d \"\\\"\" -f 4";
  }

  /**
   * {@code clientSide}: with {@code --local} (PullSchedule.clientSide says when). ctr then fetches with the
   * containerd client instead of the daemon's transfer service (cmd/ctr/commands/images/pull.go, containerd v2.1 and
   * main: the {@code !cliContext.Bool("local")} branch is the transfer service): every layer at once (client.Fetch
   * sets no download limiter) instead of 3 shared by all pulls, then each platform unpacked into {@code --snapshotter}
   * (the default, as for the transfer service). What a node reads is the same: the namespace ({@code -n}), the
   * image's labels (content.Fetch: WithPullLabels), {@code --platform}, {@code --user} (GetResolver), the content
   * (kept under the image's gc references) and the unpacked snapshots. One difference: a client-side pull records
   * the image before unpacking it, so an unpack that fails (no space) leaves the image listed, not unpacked; the
   * pull fails then, is retried, and verifying checks {@code ctr images check}'s UNPACKED. On containerd 1.7
   * {@code --local} is ctr's default already (a BoolT flag).
   */
  private static String ctrPull(String platform, boolean clientSide) {
    return CTR + " images pull" + (clientSide ? " --local" : "") + " --label io.cri-containerd.image=managed --label "
        + PINNED_LABEL + " --platform " + shellSafe(platform);
  }

  /**
   * The pull, then the image's listing when it succeeded: the pull's result comes from its own command, with
   * no second command (and poll) after it.
   */
  static String pullAndList(String image, String platform, boolean ecr, boolean clientSide) {
    return pull(image, platform, ecr, clientSide) + " && " + listImages(List.of(image));
  }

  /** {@link #pullWithParameterLogin}, then the image's listing when it succeeded. */
  static String pullWithParameterLoginAndList(String image, String platform, String region, String parameterName,
      boolean clientSide) {
    return pullWithParameterLogin(image, platform, region, parameterName, clientSide) + " && "
        + listImages(List.of(image));
  }

  /**
   * SSM returns at most 24,000 characters of a command's output (GetCommandInvocation's
   * StandardOutputContent): a listing of every image or blob of a 200-pull build passes that, so listings name
   * what they look for, a batch at a time. An image's line is at most ~600 characters (a 255-character name,
   * a 128-character tag, digest, size, platforms, labels); a quiet content line is a digest, 72.
   */
  static final int IMAGES_PER_LISTING = 20;
  static final int BLOBS_PER_LISTING = 100;
  /** The line that separates the outputs of commands run as one ({@link #inOneCommand}). */
  static final String SECTION_BREAK = "--- precache: next section ---";

  /**
   * Commands run one after the other in one SSM command, each output a section of the whole: one round trip
   * (delivery, polls) instead of one per command. The caller keeps the whole within SSM's 24,000 characters.
   */
  static String inOneCommand(List<String> commands) {
    return String.join(" && echo '" + SECTION_BREAK + "' && ", commands);
  }

  /** The outputs of {@link #inOneCommand}, in order. */
  static List<String> sections(String output) {
    return Arrays.asList(output.split("(?m)^" + java.util.regex.Pattern.quote(SECTION_BREAK) + "\\R?", -1));
  }

  /** {@code ctr images ls name==a name==b}: those images only (ctr ORs its filter arguments). */
  static String listImages(List<String> images) {
    StringBuilder command = new StringBuilder(LIST_IMAGES);
    images.forEach(image -> command.append(" name==").append(shellSafe(image)));
    return command.toString();
  }

  /**
   * {@code ctr images check name==a …}, then {@code ctr images ls name==a …}, as one command whose two outputs are
   * sections ({@link #sections}). Joined by {@code ;}: check exits 1 when a platform is unavailable, and the
   * listing (digests, labels) is still wanted then. The one command a probe's read of its volume is timed by.
   */
  static String checkAndList(List<String> images) {
    StringBuilder check = new StringBuilder(SHELTIE).append(CTR).append(" images check");
    images.forEach(image -> check.append(" name==").append(shellSafe(image)));
    return check + " ; echo '" + SECTION_BREAK + "' ; " + listImages(images);
  }

  /**
   * One line of {@code ctr images check}: REF TYPE DIGEST STATUS SIZE UNPACKED (cmd/ctr/commands/images, checkCommand),
   * space-padded, STATUS two words ({@code complete (7/7)}, {@code unavailable (0/?)}) or {@code error}, SIZE
   * progress.Bytes ({@code 1.2 GiB/1.2 GiB}, {@code 0.0 B/?}, {@code -}), UNPACKED {@code true} or {@code false}.
   */
  record CheckedLine(String ref, String digest, String status, boolean unpacked) {}

  static List<CheckedLine> parseImageCheck(String output) {
    List<CheckedLine> lines = new ArrayList<>();
    for (String line : output.split("\\R")) {
      String[] columns = line.trim().split("\\s+");
      String last = columns[columns.length - 1];
      if (columns.length < 6 || columns[0].equals("REF") || !(last.equals("true") || last.equals("false"))) {
        continue;
      }
      String status = columns[4].startsWith("(") ? columns[3] + " " + columns[4] : columns[3];
      lines.add(new CheckedLine(columns[0], columns[2], status, last.equals("true")));
    }
    return lines;
  }

  /**
   * {@code ctr images rm --sync a b}: removes the images and, before returning, the content and snapshots no other
   * image references (without {@code --sync} containerd's garbage collector runs a little later). Deleting files
   * frees their blocks without writing them: an incremental snapshot does not grow by what was removed.
   */
  static String removeImages(List<String> images) {
    StringBuilder command = new StringBuilder(SHELTIE).append(CTR).append(" images rm --sync");
    images.forEach(image -> command.append(' ').append(shellSafe(image)));
    return command.toString();
  }

  /** The image names of {@code ctr images ls -q}, one per line. */
  static List<String> parseImageNames(String output) {
    return Arrays.stream(output.split("\\R")).map(String::strip).filter(line -> !line.isEmpty()).toList();
  }

  /** {@code ctr content active}: REF SIZE AGE of each download under way (cmd/ctr/commands/content). */
  static final String LIST_ACTIVE_DOWNLOADS = SHELTIE + CTR + " content active";
  /** go-units' decimal abbreviations, as {@code ctr content active} prints sizes (units.HumanSize). */
  private static final Map<String, Long> DECIMAL_UNITS = Map.of(
      "B", 1L, "kB", 1_000L, "MB", 1_000_000L, "GB", 1_000_000_000L, "TB", 1_000_000_000_000L);
  private static final Pattern HUMAN_SIZE = Pattern.compile("([0-9.]+)([kMGT]?B)");
  /** containerd's ingest ref for a layer: remotes.MakeRefKey's {@code layer-<digest>}. */
  private static final Pattern LAYER_REF = Pattern.compile("layer-(sha256:[0-9a-f]{64})");

  /**
   * The output of {@link #LIST_ACTIVE_DOWNLOADS}: layer digest → bytes written so far, to go-units' four
   * significant digits. Refs that are not layers (manifests, configs: small) and lines that do not parse are left
   * out: this is for showing progress, never for deciding anything.
   */
  static Map<String, Long> parseActiveDownloads(String output) {
    Map<String, Long> downloading = new LinkedHashMap<>();
    for (String line : output.split("\\R")) {
      String[] columns = line.trim().split("\\s+");
      if (columns.length < 2) {
        continue;
      }
      Matcher ref = LAYER_REF.matcher(columns[0]);
      Matcher size = HUMAN_SIZE.matcher(columns[1]);
      if (ref.matches() && size.matches()) {
        try {
          downloading.put(ref.group(1), Math.round(Double.parseDouble(size.group(1)) * DECIMAL_UNITS.get(size.group(2))));
        } catch (NumberFormatException unreadable) {
          // "1.2.3MB" matches the pattern and is no number: left out like any other unreadable line
        }
      }
    }
    return downloading;
  }

  /** {@code ctr content ls -q digest==a digest==b}: which of these blobs the content store holds. */
  static String listContent(List<String> digests) {
    StringBuilder command = new StringBuilder(LIST_CONTENT).append(" -q");
    digests.forEach(digest -> command.append(" digest==").append(shellSafe(digest)));
    return command.toString();
  }

  /** {@code items} cut into consecutive batches of at most {@code size}. */
  static <T> List<List<T>> batches(List<T> items, int size) {
    List<List<T>> batches = new ArrayList<>();
    for (int from = 0; from < items.size(); from += size) {
      batches.add(items.subList(from, Math.min(items.size(), from + size)));
    }
    return batches;
  }

  private static String shellSafe(String word) {
    if (!SHELL_SAFE.matcher(word).matches()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "not a valid image reference or platform: " + word, BuildFailures.INVALID_REQUEST);
    }
    return word;
  }

  /** One line of {@code ctr images ls}: REF TYPE DIGEST SIZE PLATFORMS LABELS. */
  record ListedImage(String ref, String digest, long sizeBytes, List<String> platforms, List<String> labels) {

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
      List<String> labels = columns.length < 7 || columns[6].equals("-") ? List.of()
          : Arrays.asList(columns[6].split(","));
      images.add(new ListedImage(columns[0], columns[2], size, Arrays.asList(columns[5].split(",")), labels));
    }
    return images;
  }

  /**
   * The digests in a {@code ctr content ls} output: DIGEST SIZE AGE LABELS, tab-padded (cmd/ctr/commands/content),
   * the age being words like {@code 5 minutes}; only the first column is read.
   */
  static Set<String> parseContentList(String output) {
    Set<String> digests = new HashSet<>();
    for (String line : output.split("\\R")) {
      String first = line.strip().split("\\s+", 2)[0];
      if (first.startsWith("sha256:")) {
        digests.add(first);
      }
    }
    return digests;
  }

  /** {@code df -B1 --output=size,used,avail}: a header, then size, used and available bytes. */
  static VolumeUsage parseVolumeUsage(String output) {
    for (String line : output.split("\\R")) {
      String[] columns = line.strip().split("\\s+");
      if (columns.length == 3 && columns[0].matches("\\d+")) {
        return new VolumeUsage(Long.parseLong(columns[0]), Long.parseLong(columns[1]), Long.parseLong(columns[2]));
      }
    }
    throw ApplicationFailure.newNonRetryableFailure("df printed no usage line:\n" + AwsFailures.trimmed(output, AwsFailures.OUTPUT_LIMIT),
        BuildFailures.COMMAND_FAILED);
  }
}
