package dev.precache.workflows;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The names one build run goes by in AWS, all derived from its workflow ID and run ID, so a retried activity
 * finds what an earlier attempt made and two builds can never collide.
 *
 * @param workflowId         the Temporal workflow ID
 * @param buildId            unique per run; tags the snapshot so CreateSnapshot can be made idempotent
 * @param stackName          the CloudFormation stack, known before it is created so teardown can be registered first
 * @param clientRequestToken CloudFormation's idempotency token for CreateStack and DeleteStack
 * @param credentialsPath    the Parameter Store path under which a pull parks its registry login (a SecureString
 *                           under {@code registry/<host>/}, deleted after the pull) and earlier workers parked ECR
 *                           passwords; teardown sweeps it
 */
public record BuildIdentity(
    String workflowId, String buildId, String stackName, String clientRequestToken, String credentialsPath) {

  private static final int NAME_PART_MAX = 40;

  public static BuildIdentity of(String workflowId, String runId, String buildName) {
    String runHash = sha256Hex(workflowId + "/" + runId).substring(0, 12);
    String buildId = slug(buildName) + "-" + runHash;
    return new BuildIdentity(
        workflowId,
        buildId,
        "precache-" + buildId,
        "precache-" + sha256Hex(workflowId + "/" + runId).substring(0, 48),
        "/precache/builds/" + buildId + "/");
  }

  /**
   * The workflow ID of a validated request: the build name plus a hash of everything that defines the build,
   * so starting the same build twice attaches to the running one.
   */
  public static String workflowIdFor(BuildRequest request) {
    Map<String, String> tags = new TreeMap<>(request.tags());
    String canonical = String.join("\n",
        request.name(), request.region(), String.join(",", request.images()),
        String.join(",", request.platforms()), request.amiParameter(), request.instanceType(),
        String.valueOf(request.encrypt()), String.valueOf(request.kmsKeyId()),
        String.valueOf(request.volumeSizeGiB()), String.valueOf(request.instanceRole()),
        String.valueOf(request.securityGroupId()), String.valueOf(request.subnetId()),
        String.valueOf(request.outputParameterName()), String.valueOf(request.publicIp()), tags.toString(),
        String.valueOf(request.volumeThroughputMiBps()), String.valueOf(request.volumeIops()));
    // Restore speed came later: a request without it keeps the ID it had before.
    if (request.volumeInitializationRateMiBps() != null || !request.fastRestoreZones().isEmpty()) {
      canonical += "\n" + request.volumeInitializationRateMiBps() + "\n" + String.join(",", request.fastRestoreZones());
    }
    // So did --verify: only when asked for, so the IDs of builds without it stay as they were.
    if (request.verify()) {
      canonical += "\nverify";
    }
    return "precache-" + slug(request.name()) + "-" + sha256Hex(canonical).substring(0, 16);
  }

  /**
   * The names of a probe that restores a snapshot for {@link VerifySnapshotWorkflow}, one per architecture, within
   * the run of {@code workflowId} (a verify or a build with {@code --verify}): its stack is
   * {@code precache-verify-<arch>-<hash>}, and its token and credentials path differ from the build's own.
   */
  public static BuildIdentity ofProbe(String workflowId, String runId, String architecture) {
    return of(workflowId + "/verify-" + architecture, runId, "verify-" + architecture);
  }

  /** Lower-case letters, digits and single dashes, starting with a letter: safe in stack names and tags. */
  static String slug(String name) {
    String slug = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    if (slug.isEmpty() || !Character.isLetter(slug.charAt(0))) {
      slug = "b-" + slug;
    }
    return slug.length() > NAME_PART_MAX ? slug.substring(0, NAME_PART_MAX).replaceAll("-+$", "") : slug;
  }

  private static String sha256Hex(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
