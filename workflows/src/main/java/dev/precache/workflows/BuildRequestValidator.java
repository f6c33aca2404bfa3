package dev.precache.workflows;

import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Checks a {@link BuildRequest} and fills its defaults, before anything touches AWS. Pure and deterministic:
 * the CLI calls it before starting a build, and the workflow calls it again as its first step.
 */
public final class BuildRequestValidator {

  public static final String DEFAULT_NAME = "build";
  public static final String DEFAULT_PLATFORM = "linux/amd64";
  public static final String DEFAULT_INSTANCE_TYPE = "m5.large";
  /** snapshot.sh's default size: what builds recorded before sizing from resolved images were given. */
  public static final int LEGACY_VOLUME_SIZE_GIB = 50;
  /**
   * User tags a request may carry: EC2's 50 per snapshot less precache's own, of which there are at most 13
   * (Name, precache:build-id, precache:workflow-id and precache:state from the snapshot activity;
   * {@link SnapshotContent}'s six and at least one image-list tag; precache:parent-snapshot of an incremental build
   * and one tag written later, precache:fast-restore or retention's precache:retention, {@link
   * SnapshotLifecycle#LATER_TAGS}). A copy carries precache:source-snapshot in place of precache:parent-snapshot.
   * The stack carries them plus precache:build-id and precache:workflow-id, under CloudFormation's 50.
   */
  public static final int MAX_USER_TAGS = 37;
  /** AWS's tag key and value lengths, in Unicode characters. */
  static final int MAX_TAG_KEY = 128;
  static final int MAX_TAG_VALUE = 256;
  /** SSM's deepest parameter hierarchy: "a maximum depth of fifteen levels". */
  static final int MAX_SSM_LEVELS = 15;
  public static final int DEFAULT_PULL_PARALLELISM = 4;
  /** The images × platforms a build may pull: more would outlast any sensible build deadline. */
  public static final int MAX_PULLS = 200;

  /** Starts with a letter or digit, so the stack name derived from it ({@link BuildIdentity}) says something. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern LEGACY_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern CONTROL = Pattern.compile("\\p{Cc}");
  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}");
  private static final Pattern INSTANCE_TYPE = Pattern.compile("[a-z][a-z0-9-]*\\.[a-z0-9-]+");
  /** Graviton families: a generation digit followed by 'g' (m6g, m7gd, c7gn, t4g, g5g, r8g, im4gn), and a1. */
  private static final Pattern GRAVITON_FAMILY = Pattern.compile("a1|[a-z]+[0-9]+g[a-z]*(-[a-z]+)?");
  private static final Pattern SSM_PATH = Pattern.compile("/[a-zA-Z0-9_.\\-/]{1,1010}");
  private static final Pattern SSM_NAME = Pattern.compile("/?[a-zA-Z0-9_.\\-]+(/[a-zA-Z0-9_.\\-]+)*");
  private static final Pattern SSM_RESERVED_PREFIX = Pattern.compile("/?(aws|ssm).*", Pattern.CASE_INSENSITIVE);
  private static final Pattern SUBNET = Pattern.compile("subnet-([0-9a-f]{8}|[0-9a-f]{17})");
  private static final Pattern SECURITY_GROUP = Pattern.compile("sg-([0-9a-f]{8}|[0-9a-f]{17})");
  private static final Pattern ROLE = Pattern.compile(
      "[\\w+=,.@-]{1,64}|arn:aws[a-z-]*:iam::[0-9]{12}:role/([\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}");
  private static final Pattern KMS_KEY = Pattern.compile("[\\w:/+=,.@-]{1,2048}");
  private static final Set<String> ARCHITECTURES = Set.of("amd64", "arm64");

  private BuildRequestValidator() {}

  /** Whether {@code region} is spelled like an AWS region ({@code us-west-2}), as the build's region must be. */
  public static boolean isRegion(String region) {
    return region != null && REGION.matcher(region).matches();
  }

  /** Returns {@code request} with defaults filled and images and platforms normalised, or throws. */
  public static BuildRequest normalize(BuildRequest request) {
    return normalize(request, true);
  }

  /**
   * What a client starts a build with: {@link #normalize(BuildRequest)}, except that a pull parallelism the request
   * leaves out stays out, so the workflow plans it for the instance ({@link PullSchedule#parallelism}); filled with
   * {@link #DEFAULT_PULL_PARALLELISM}, it would read as asked for and every build would pull 4 at a time.
   */
  public static BuildRequest normalizeToStart(BuildRequest request) {
    BuildRequest normalized = normalize(request);
    return request.pullParallelism() == null ? normalized.withPullParallelism(null) : normalized;
  }

  /**
   * {@link #normalize(BuildRequest)}, with or without the rules on names, tags and {@code -op} added for AWS's
   * input rules: a build started before them replays as it ran (see the workflow's input-limits change).
   */
  public static BuildRequest normalize(BuildRequest request, boolean awsInputRules) {
    if (request == null) {
      throw new InvalidRequestException("request", "missing");
    }
    String name = orDefault(request.name(), DEFAULT_NAME);
    require((awsInputRules ? NAME : LEGACY_NAME).matcher(name).matches(), "name",
        "must be 1 to 64 characters of letters, digits, '.', '_' and '-', starting with a letter or digit, got '"
            + name + "'");

    String region = request.region();
    require(region != null && REGION.matcher(region).matches(), "region",
        "must be an AWS region such as us-west-2, got '" + region + "'");

    List<String> images = images(request.images());
    List<String> platforms = platforms(request.platforms());
    require(images.size() * platforms.size() <= MAX_PULLS, "images",
        images.size() + " images × " + platforms.size() + " platforms is more than " + MAX_PULLS + " pulls");

    String instanceType = orDefault(request.instanceType(), DEFAULT_INSTANCE_TYPE).toLowerCase(Locale.ROOT);
    require(INSTANCE_TYPE.matcher(instanceType).matches(), "instanceType",
        "must be family.size such as m5.large, got '" + instanceType + "'");
    String family = instanceType.substring(0, instanceType.indexOf('.'));
    boolean arm64 = GRAVITON_FAMILY.matcher(family).matches();

    String amiParameter = orDefault(request.amiParameter(),
        "/aws/service/bottlerocket/aws-k8s-1.33/" + (arm64 ? "arm64" : "x86_64") + "/latest/image_id");
    require(SSM_PATH.matcher(amiParameter).matches(), "amiParameter",
        "must be an SSM parameter path starting with '/', got '" + amiParameter + "'");
    requireAmiFitsInstance(amiParameter, family, arm64);

    require(request.kmsKeyId() == null || request.encrypt(), "kmsKeyId", "is only allowed with encrypt");
    require(request.kmsKeyId() == null || KMS_KEY.matcher(request.kmsKeyId()).matches(), "kmsKeyId",
        "must be a KMS key ID, ARN or alias");

    Integer volumeSizeGiB = request.volumeSizeGiB();
    if (volumeSizeGiB != null) {
      requireBetween(volumeSizeGiB, 1, VolumeSizing.MAX_GIB, "volumeSizeGiB", " GiB");
    }
    if (request.volumeIops() != null) {
      requireBetween(request.volumeIops(), VolumePerformance.MIN_IOPS, VolumePerformance.MAX_IOPS, "volumeIops",
          " IOPS");
    }
    if (request.volumeThroughputMiBps() != null) {
      int throughput = request.volumeThroughputMiBps();
      requireBetween(throughput, VolumePerformance.MIN_THROUGHPUT_MIBPS, VolumePerformance.MAX_THROUGHPUT_MIBPS,
          "volumeThroughputMiBps", " MiB/s");
      // gp3 allows at most 0.25 MiB/s per provisioned IOPS; without volumeIops, the IOPS are chosen to fit.
      if (request.volumeIops() != null) {
        int iops = request.volumeIops();
        require(throughput <= iops * VolumePerformance.MIBPS_PER_IOPS, "volumeThroughputMiBps",
            "gp3 allows at most " + iops / 4 + " MiB/s with " + iops + " IOPS, got " + throughput);
      }
    }

    require(request.instanceRole() == null || ROLE.matcher(request.instanceRole()).matches(), "instanceRole",
        "must be an IAM role name or ARN, got '" + request.instanceRole() + "'");
    require(request.securityGroupId() == null || SECURITY_GROUP.matcher(request.securityGroupId()).matches(),
        "securityGroupId", "must look like sg-0123456789abcdef0, got '" + request.securityGroupId() + "'");
    require(request.subnetId() == null || SUBNET.matcher(request.subnetId()).matches(), "subnetId",
        "must look like subnet-0123456789abcdef0, got '" + request.subnetId() + "'");
    requireOutputParameter(request.outputParameterName(), awsInputRules);

    Map<String, String> tags = tags(request.tags(), awsInputRules);

    Duration timeout = orDefault(request.timeout(), BuildTimeouts.DEFAULT_BUILD_TIMEOUT);
    require(!timeout.isNegative() && !timeout.isZero() && timeout.compareTo(Duration.ofHours(48)) <= 0, "timeout",
        "must be positive and at most 48h, got " + timeout);

    int pullParallelism = orDefault(request.pullParallelism(), DEFAULT_PULL_PARALLELISM);
    requireBetween(pullParallelism, 1, 32, "pullParallelism", "");

    Integer rate = request.volumeInitializationRateMiBps();
    if (rate != null) {
      requireBetween(rate, RestoreTimeModel.MIN_RATE_MIBPS, RestoreTimeModel.MAX_RATE_MIBPS,
          "volumeInitializationRate", " MiB/s");
    }
    List<String> zones = fastRestoreZones(request.fastRestoreZones(), region);
    require(rate == null || zones.isEmpty(), "fastRestore", "a volume initialisation rate overrides fast snapshot "
        + "restore (EBS uses the rate when both apply): choose one of --volume-initialization-rate and --fast-restore");
    if (request.keepSnapshots() != null) {
      requireBetween(request.keepSnapshots(), 1, RetentionRequest.MAX_KEEP, "keepSnapshots", "");
    }
    List<RegionCopy> copies = copies(request, region);
    List<String> accounts = accounts(request.sharedWith());

    return new BuildRequest(name, region, images, platforms, amiParameter, instanceType, request.encrypt(),
        request.kmsKeyId(), volumeSizeGiB, request.instanceRole(), request.securityGroupId(), request.subnetId(),
        request.outputParameterName(), request.publicIp(), tags, timeout, pullParallelism,
        request.volumeThroughputMiBps(), request.volumeIops(), request.force(), rate, zones, request.verify(),
        request.fromPrevious(), request.keepSnapshots(), copies.isEmpty() ? null : copies,
        accounts.isEmpty() ? null : accounts);
  }

  /**
   * Availability Zones of the request's region ({@code us-west-2a}), each once, at most 5. EBS's default quota is 5
   * FSR snapshots per Region, any zones; while a new snapshot optimises its predecessor stays enabled, so a build
   * holds two. Whether each zone exists is for EC2 to say when FSR is enabled (a failure names it).
   */
  private static List<String> fastRestoreZones(List<String> requested, String region) {
    List<String> zones = requested == null ? List.of() : requested.stream().map(String::strip)
        .filter(zone -> !zone.isEmpty()).map(zone -> zone.toLowerCase(Locale.ROOT)).distinct().toList();
    for (String zone : zones) {
      require(zone.startsWith(region) && zone.length() == region.length() + 1
          && Character.isLetter(zone.charAt(region.length())), "fastRestore",
          "must be Availability Zones of " + region + " such as " + region + "a, got '" + zone + "'");
    }
    require(zones.size() <= RestoreTimeModel.MAX_FAST_RESTORE_ZONES, "fastRestore",
        "at most " + RestoreTimeModel.MAX_FAST_RESTORE_ZONES + " Availability Zones, got " + zones.size());
    return zones;
  }

  /** At most this many regions to copy to, and accounts to share with: a build waits for every copy. */
  public static final int MAX_COPIES = 10;
  public static final int MAX_SHARED_ACCOUNTS = 20;
  private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");

  private static List<RegionCopy> copies(BuildRequest request, String region) {
    List<RegionCopy> copies = request.copies();
    require(copies.size() <= MAX_COPIES, "copyToRegions", "at most " + MAX_COPIES + " regions, got " + copies.size());
    Set<String> seen = new HashSet<>();
    for (RegionCopy copy : copies) {
      require(copy != null && copy.region() != null && isRegion(copy.region()), "copyToRegions",
          "must be AWS regions such as us-east-1, got '" + (copy == null ? null : copy.region()) + "'");
      require(!copy.region().equals(region), "copyToRegions", "the snapshot is built in " + region
          + " already; copy it to other regions");
      require(seen.add(copy.region()), "copyToRegions", copy.region() + " is given twice");
      require(copy.kmsKeyId() == null || request.encrypt(), "copyToRegions",
          "a KMS key for " + copy.region() + " is only allowed with encrypt");
      require(copy.kmsKeyId() == null || KMS_KEY.matcher(copy.kmsKeyId()).matches(), "copyToRegions",
          "the KMS key for " + copy.region() + " must be a KMS key ID, ARN or alias");
    }
    return List.copyOf(copies);
  }

  private static List<String> accounts(List<String> accounts) {
    require(accounts.size() <= MAX_SHARED_ACCOUNTS, "shareWithAccounts",
        "at most " + MAX_SHARED_ACCOUNTS + " accounts, got " + accounts.size());
    for (String account : accounts) {
      require(account != null && ACCOUNT.matcher(account).matches(), "shareWithAccounts",
          "must be 12-digit AWS account IDs, got '" + account + "'");
    }
    require(accounts.stream().distinct().count() == accounts.size(), "shareWithAccounts", "an account is given twice");
    return List.copyOf(accounts);
  }

  private static List<String> images(List<String> requested) {
    require(requested != null && !requested.isEmpty(), "images", "at least one image is required");
    Set<String> images = new LinkedHashSet<>();
    for (String image : requested) {
      String normalised;
      try {
        normalised = ImageReference.parse(image).toString();
      } catch (IllegalArgumentException e) {
        throw new InvalidRequestException("images", e.getMessage());
      }
      require(images.add(normalised), "images", "'" + image + "' is listed twice (as " + normalised + ")");
    }
    return List.copyOf(images);
  }

  private static List<String> platforms(List<String> requested) {
    if (requested == null || requested.isEmpty()) {
      return List.of(DEFAULT_PLATFORM);
    }
    Set<String> platforms = new LinkedHashSet<>();
    for (String platform : requested) {
      String normalised = platform(platform);
      require(platforms.add(normalised), "platforms", "'" + platform + "' is listed twice (as " + normalised + ")");
    }
    return List.copyOf(platforms);
  }

  /** {@code amd64} → {@code linux/amd64}; {@code linux/arm64/v8} → {@code linux/arm64}, v8 being arm64's only variant. */
  private static String platform(String platform) {
    String lower = platform == null ? "" : platform.strip().toLowerCase(Locale.ROOT);
    String[] parts = (lower.startsWith("linux/") ? lower.substring("linux/".length()) : lower).split("/", -1);
    boolean known = ARCHITECTURES.contains(parts[0])
        && (parts.length == 1 || (parts.length == 2 && parts[0].equals("arm64") && parts[1].equals("v8")));
    require(known, "platforms",
        "unknown platform '" + platform + "'; use amd64, arm64, linux/amd64, linux/arm64 or linux/arm64/v8");
    return "linux/" + parts[0];
  }

  /**
   * An AMI that cannot boot on the instance type leaves the build waiting for an SSM agent that never comes
   * online; snapshot.sh hangs there with NVIDIA AMIs on non-GPU instances.
   */
  private static void requireAmiFitsInstance(String amiParameter, String family, boolean arm64) {
    boolean gpu = family.startsWith("g") || family.startsWith("p");
    require(!amiParameter.contains("nvidia") || gpu, "amiParameter",
        "'" + amiParameter + "' is an NVIDIA AMI; instance family " + family + " has no NVIDIA GPU");
    require(!(arm64 && amiParameter.contains("/x86_64/")), "amiParameter",
        "'" + amiParameter + "' is an x86_64 AMI; instance family " + family + " is arm64 (Graviton)");
    require(!(!arm64 && amiParameter.contains("/arm64/")), "amiParameter",
        "'" + amiParameter + "' is an arm64 AMI; instance family " + family + " is x86_64");
  }

  private static void requireOutputParameter(String name, boolean awsInputRules) {
    if (name == null) {
      return;
    }
    require(name.length() <= 1011 && SSM_NAME.matcher(name).matches(), "outputParameterName",
        "must be an SSM parameter name of letters, digits and . _ - /, got '" + name + "'");
    require(!SSM_RESERVED_PREFIX.matcher(name).matches(), "outputParameterName",
        "must not start with 'aws' or 'ssm' (reserved by AWS), got '" + name + "'");
    if (!awsInputRules) {
      return;
    }
    require(!name.contains("/") || name.startsWith("/"), "outputParameterName",
        "a parameter path must start with '/' (SSM wants a fully qualified name), got '" + name + "'");
    long levels = name.chars().filter(c -> c == '/').count();
    require(levels <= MAX_SSM_LEVELS, "outputParameterName",
        "SSM allows at most " + MAX_SSM_LEVELS + " levels of hierarchy, '" + name + "' has " + levels);
  }

  private static Map<String, String> tags(Map<String, String> requested, boolean awsInputRules) {
    if (requested == null) {
      return Map.of();
    }
    require(requested.size() <= MAX_USER_TAGS, "tags",
        "at most " + MAX_USER_TAGS + " tags, got " + requested.size());
    Map<String, String> tags = new TreeMap<>();
    Map<String, String> keyByStripped = new TreeMap<>();
    requested.forEach((key, value) -> {
      require(key != null && !key.isBlank() && length(key) <= MAX_TAG_KEY, "tags",
          "keys must be 1 to " + MAX_TAG_KEY + " characters, got '" + printable(key) + "'");
      require(value != null && length(value) <= MAX_TAG_VALUE, "tags",
          "value of '" + printable(key) + "' must be at most " + MAX_TAG_VALUE + " characters");
      if (!awsInputRules) {
        legacyTagRules(key);
        tags.put(key, value);
        return;
      }
      require(!CONTROL.matcher(key).find(), "tags", "key '" + printable(key) + "' has a control character");
      require(!CONTROL.matcher(value).find(), "tags",
          "value of '" + printable(key) + "' has a control character");
      // AWS trims keys before it checks their prefix, and compares keys case-sensitively.
      String stripped = key.strip();
      String lower = stripped.toLowerCase(Locale.ROOT);
      require(!lower.startsWith("aws:"), "tags", "key '" + key + "' uses the prefix 'aws:' reserved by AWS");
      require(!lower.startsWith("precache:"), "tags", "key '" + key + "' uses the prefix 'precache:' reserved by precache");
      require(!stripped.equals("Name"), "tags", "key 'Name' is set by precache (the build ID names the snapshot)");
      String earlier = keyByStripped.put(stripped, key);
      require(earlier == null, "tags", "keys '" + earlier + "' and '" + key + "' are the same key to AWS");
      tags.put(key, value);
    });
    return Collections.unmodifiableMap(tags);
  }

  private static void legacyTagRules(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    require(!lower.startsWith("aws:"), "tags", "key '" + key + "' uses the prefix 'aws:' reserved by AWS");
    require(!lower.startsWith("precache:"), "tags", "key '" + key + "' uses the prefix 'precache:' reserved by precache");
  }

  private static int length(String text) {
    return text.codePointCount(0, text.length());
  }

  /** {@code text} with control characters shown as {@code \\u0007}, so a message never carries them. */
  static String printable(String text) {
    if (text == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder();
    text.codePoints().forEach(c -> {
      if (Character.getType(c) == Character.CONTROL) {
        out.append(String.format("\\u%04x", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.toString();
  }

  private static void requireBetween(int value, int min, int max, String field, String unit) {
    require(value >= min && value <= max, field,
        "must be between " + min + " and " + max + unit + ", got " + value);
  }

  private static void require(boolean condition, String field, String problem) {
    if (!condition) {
      throw new InvalidRequestException(field, problem);
    }
  }

  private static <T> T orDefault(T value, T fallback) {
    return value == null ? fallback : value;
  }
}
