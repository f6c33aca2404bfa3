package dev.precache.starter;

import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.RegionCopy;
import dev.precache.workflows.InvalidRequestException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The flags that define a build: snapshot.sh's, short and long, plus precache's own. Mixed into {@code build}
 * and {@code schedule create}, so a scheduled build is spelled exactly like a one-off one.
 */
final class BuildOptions {

  /** How each {@link BuildRequest} field is spelled on the command line, for validation messages. */
  private static final Map<String, String> FLAG_OF_FIELD = Map.ofEntries(
      Map.entry("name", "--name"),
      Map.entry("region", "--region"),
      Map.entry("images", "image list"),
      Map.entry("platforms", "--arch"),
      Map.entry("amiParameter", "--ami"),
      Map.entry("instanceType", "--instance-type"),
      Map.entry("encrypt", "--encrypt"),
      Map.entry("kmsKeyId", "--kms-id"),
      Map.entry("volumeSizeGiB", "--snapshot-size"),
      Map.entry("instanceRole", "--instance-role"),
      Map.entry("securityGroupId", "--security-group-id"),
      Map.entry("subnetId", "--subnet-id"),
      Map.entry("outputParameterName", "--output-parameter-name"),
      Map.entry("publicIp", "--public-ip"),
      Map.entry("tags", "--tag"),
      Map.entry("timeout", "--timeout"),
      Map.entry("pullParallelism", "--parallelism"),
      Map.entry("volumeThroughputMiBps", "--volume-throughput"),
      Map.entry("volumeIops", "--volume-iops"),
      Map.entry("force", "--force"),
      Map.entry("volumeInitializationRate", "--volume-initialization-rate"),
      Map.entry("fastRestore", "--fast-restore"),
      Map.entry("fromPrevious", "--from-previous"),
      Map.entry("keepSnapshots", "--keep"),
      Map.entry("copyToRegions", "--copy-to-region"),
      Map.entry("shareWithAccounts", "--share-with-account"));

  @Option(names = {"-r", "--region"},
      description = "AWS region of the build instance and the snapshot (default: $AWS_REGION, then $AWS_DEFAULT_REGION).")
  String region;

  @Option(names = {"-a", "--ami"}, paramLabel = "SSM_PARAMETER",
      description = "SSM parameter holding the Bottlerocket AMI ID (default: "
          + "/aws/service/bottlerocket/aws-k8s-1.33/<x86_64|arm64>/latest/image_id, by instance type).")
  String ami;

  @Option(names = {"-i", "--instance-type"}, description = "Build instance type (default: m5.large).")
  String instanceType;

  @Option(names = {"-e", "--encrypt"}, description = "Encrypt the data volume and so the snapshot.")
  boolean encrypt;

  @Option(names = {"-k", "--kms-id"}, description = "KMS key for --encrypt.")
  String kmsId;

  @Option(names = {"-s", "--snapshot-size"}, paramLabel = "GiB",
      description = "Data volume size (default: sized from the images' resolved layers; one too small for them "
          + "is refused before anything is launched).")
  Integer snapshotSize;

  @Option(names = {"-R", "--instance-role"}, description = "Existing IAM role for the build instance.")
  String instanceRole;

  @Option(names = {"-sg", "--security-group-id"}, description = "Security group of the build instance.")
  String securityGroupId;

  @Option(names = {"-sn", "--subnet-id"}, description = "Subnet of the build instance.")
  String subnetId;

  @Option(names = {"-op", "--output-parameter-name"}, paramLabel = "SSM_PARAMETER",
      description = "SSM parameter to write the snapshot ID to.")
  String outputParameterName;

  @Option(names = {"-p", "--public-ip"}, arity = "1", paramLabel = "true|false", defaultValue = "true",
      description = "Give the build instance a public IP (default: ${DEFAULT-VALUE}).")
  boolean publicIp;

  @Option(names = {"-A", "--arch"}, split = ",", paramLabel = "ARCH",
      description = "Architectures to pull each image for, comma-separated: amd64 (or x86_64), arm64 (or aarch64) "
          + "(default: amd64).")
  List<String> architectures = new ArrayList<>();

  @Option(names = "--name", description = "Build name: tags the snapshot and names the stack.")
  String name;

  /** As typed: picocli's map would let a repeated key's last value silently win. */
  @Option(names = "--tag", paramLabel = "KEY=VALUE", description = "Extra tag for the stack, instance, volume and snapshot (repeatable).")
  List<String> tags = new ArrayList<>();

  @Option(names = "--timeout", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "Overall build deadline, e.g. 90m or 3h (default: 3h); teardown still runs after it.")
  Duration timeout;

  @Option(names = "--parallelism", description = "Image x platform pulls at once (default: 4).")
  Integer parallelism;

  @Option(names = "--volume-throughput", paramLabel = "MiBps", description = "gp3 throughput of the build volume.")
  Integer volumeThroughput;

  @Option(names = "--volume-iops", description = "gp3 IOPS of the build volume.")
  Integer volumeIops;

  @Option(names = "--volume-initialization-rate", paramLabel = "MiBps",
      description = "Nodes create the data volume with EBS's provisioned initialisation rate, 100-300 MiB/s (billed "
          + "per GiB): carried into nodeclass; plan and build print how soon every image is readable.")
  Integer volumeInitializationRate;

  @Option(names = "--fast-restore", paramLabel = "AZ[,AZ...]", split = ",",
      description = "Enable fast snapshot restore in these Availability Zones once the snapshot completes (wait "
          + "until enabled, then disable it on the snapshot this build supersedes); $0.75 per zone-hour.")
  List<String> fastRestore = new ArrayList<>();

  @Option(names = "--force",
      description = "Build even when the newest snapshot of this build name already holds the same image digests.")
  boolean force;

  @Option(names = "--verify",
      description = "After the snapshot completes and before publishing, restore it on a probe instance per "
          + "architecture and check every image (precache verify); a snapshot that fails is deleted, nothing published.")
  boolean verify;

  @Option(names = "--from-previous",
      description = "Create the build volume from the newest snapshot of this build name and pull only what changed "
          + "(the default for schedules).")
  boolean fromPrevious;

  @Option(names = "--from-scratch",
      description = "Start from an empty volume and pull everything (the default for one-off builds).")
  boolean fromScratch;

  @Option(names = "--keep", paramLabel = "N",
      description = "After a successful build, keep the newest N completed snapshots of this build name in the "
          + "region and delete older ones nothing uses (default: keep all; schedules: 3).")
  Integer keep;

  @Option(names = "--copy-to-region", paramLabel = "REGION[=KMS_KEY]",
      description = "Copy the snapshot to this region once it completes and publish it there under -op "
          + "(repeatable); with -e, =KMS_KEY encrypts the copy with that region's key.")
  List<String> copyToRegions = new ArrayList<>();

  @Option(names = "--share-with-account", paramLabel = "ACCOUNT_ID",
      description = "Let this 12-digit account create volumes from the snapshot and its copies (repeatable).")
  List<String> shareWithAccounts = new ArrayList<>();

  /** {@code REGION} or {@code REGION=KMS_KEY}. */
  private List<RegionCopy> copies() {
    return copyToRegions.stream().map(copy -> {
      int equals = copy.indexOf('=');
      return equals < 0 ? new RegionCopy(copy.trim(), null)
          : new RegionCopy(copy.substring(0, equals).trim(), copy.substring(equals + 1).trim());
    }).toList();
  }

  /** The request as the flags say it; other defaults are the validator's job. */
  BuildRequest toRequest(List<String> images) {
    List<String> platforms = architectures.isEmpty() ? null
        : architectures.stream().map(BuildOptions::platform).toList();
    return new BuildRequest(name, region != null ? region : regionFromEnvironment(), List.copyOf(images), platforms, ami, instanceType, encrypt, kmsId,
        snapshotSize, instanceRole, securityGroupId, subnetId, outputParameterName, publicIp, tagMap(),
        timeout, parallelism, volumeThroughput, volumeIops, force, volumeInitializationRate, fastRestore, verify,
        fromPrevious(), keep, copyToRegions.isEmpty() ? null : copies(),
        shareWithAccounts.isEmpty() ? null : List.copyOf(shareWithAccounts));
  }

  /** {@code --from-previous}, {@code --from-scratch}, or neither (null: the workflow's default for how it started). */
  private Boolean fromPrevious() {
    if (fromPrevious && fromScratch) {
      throw new InvalidRequestException("fromPrevious", "give --from-previous or --from-scratch, not both");
    }
    return fromPrevious ? Boolean.TRUE : fromScratch ? Boolean.FALSE : null;
  }

  /** The {@code --tag} flags as a map; a key given twice is refused, as AWS refuses duplicate keys. */
  private Map<String, String> tagMap() {
    Map<String, String> map = new LinkedHashMap<>();
    for (String tag : tags) {
      int equals = tag.indexOf('=');
      if (equals < 0) {
        throw new InvalidRequestException("tags", "expected KEY=VALUE, got '" + tag + "'");
      }
      String key = tag.substring(0, equals);
      if (map.put(key, tag.substring(equals + 1)) != null) {
        throw new InvalidRequestException("tags", "key '" + key + "' is given twice");
      }
    }
    return map;
  }

  /** {@code amd64} → {@code linux/amd64}; the kernel's names of the architectures, as uname prints them, too. */
  private static String platform(String arch) {
    String normalised = switch (arch.strip().toLowerCase(Locale.ROOT)) {
      case "x86_64", "x86-64", "x64" -> "amd64";
      case "aarch64" -> "arm64";
      default -> arch;
    };
    return normalised.contains("/") ? normalised : "linux/" + normalised;
  }

  /**
   * {@code error: invalid --snapshot-size (must be …)}: the validator's complaint, naming the flag; exit 2.
   *
   * @param request the request validated, for what the complaint cannot say (a region nobody gave); null when the
   *                flags could not even be made into one
   */
  static CliError invalid(InvalidRequestException e, BuildRequest request) {
    if (e.field().equals("region") && request != null && request.region() == null) {
      return CliError.usage("missing --region", "no -r/--region, and neither AWS_REGION nor AWS_DEFAULT_REGION is set",
          "pass e.g. -r us-west-2, or export AWS_REGION=us-west-2");
    }
    return CliError.usage("invalid " + FLAG_OF_FIELD.getOrDefault(e.field(), e.field()), e.problem(), null);
  }

  /** Like the AWS CLI that snapshot.sh drives, an unset region comes from the environment. */
  static String regionFromEnvironment() {
    String region = System.getenv("AWS_REGION");
    return region != null && !region.isBlank() ? region : System.getenv("AWS_DEFAULT_REGION");
  }
}
