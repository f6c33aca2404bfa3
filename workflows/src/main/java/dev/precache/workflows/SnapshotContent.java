package dev.precache.workflows;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * What a snapshot holds, written on the snapshot itself as tags so it outlives Temporal's retention: the build
 * name, a hash of the content (every image × platform with its digests), the list itself, and the bytes the
 * images took. EC2 allows 50 tags of at most 256 characters; the snapshot also carries Name, the build and
 * workflow IDs, its {@link SnapshotLifecycle#STATE}, up to {@link BuildRequestValidator#MAX_USER_TAGS} user tags and
 * the places kept for later ({@link SnapshotLifecycle#LATER_TAGS}), so the list is one string cut into as many
 * 256-character tags as are left ({@code precache:images:1}, {@code :2}, …; read back by
 * concatenation). A list that does not fit ends in {@value #CUT}; the content hash always covers everything.
 */
public final class SnapshotContent {

  public static final String NAME = "precache:name";
  public static final String CONTENT = "precache:content";
  public static final String COMPRESSED_BYTES = "precache:compressed-bytes";
  public static final String VOLUME_USED_BYTES = "precache:volume-used-bytes";
  /** The Availability Zones fast snapshot restore is enabled in, comma-separated; absent when it is not. */
  public static final String FAST_RESTORE = "precache:fast-restore";
  public static final String IMAGES_PREFIX = "precache:images:";
  /** The snapshot an incremental rebuild's volume was created from ({@link IncrementalRebuild}); absent from scratch. */
  public static final String PARENT = "precache:parent-snapshot";

  /** EC2's limits on one resource's tags. */
  static final int EC2_MAX_TAGS = 50;
  static final int EC2_MAX_VALUE = 256;
  /** Name, precache:build-id, precache:workflow-id and precache:state, which the snapshot activity adds. */
  static final int ACTIVITY_TAGS = 4;
  /** name, content, compressed and used bytes, snapshotter and variant ({@link SnapshotCompatibility}). */
  private static final int FIXED_TAGS = 6;
  static final String CUT = "…";

  private SnapshotContent() {}

  /** {@code sha256:<hex>} over every image × platform with both its digests, independent of order. */
  public static String hash(List<ResolvedImage> images) {
    StringBuilder canonical = new StringBuilder();
    images.stream()
        .sorted(Comparator.comparing(ResolvedImage::image).thenComparing(ResolvedImage::platform))
        .forEach(image -> canonical.append(image.image()).append(' ').append(image.platform()).append(' ')
            .append(image.digest()).append(' ').append(image.manifestDigest()).append('\n'));
    return "sha256:" + sha256Hex(canonical.toString());
  }

  /**
   * The tags describing a snapshot of {@code images}, beside {@code userTags} others: the request's, its lineage and
   * the places kept for tags written later.
   *
   * @param usage the volume as measured after the pulls
   */
  public static Map<String, String> tags(String buildName, List<ResolvedImage> images, VolumeUsage usage,
      int userTags) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(NAME, buildName);
    tags.put(CONTENT, hash(images));
    tags.put(COMPRESSED_BYTES, Long.toString(VolumeSizing.distinctCompressedBytes(images)));
    tags.put(VOLUME_USED_BYTES, Long.toString(usage.usedBytes()));
    int chunks = Math.max(1, EC2_MAX_TAGS - ACTIVITY_TAGS - FIXED_TAGS - userTags);
    String list = String.join(",", images.stream()
        .map(image -> image.image() + " " + image.platform() + " " + image.digest())
        .toList());
    if (list.length() > chunks * EC2_MAX_VALUE) {
      list = list.substring(0, chunks * EC2_MAX_VALUE - CUT.length()) + CUT;
    }
    for (int i = 0; i * EC2_MAX_VALUE < list.length(); i++) {
      tags.put(IMAGES_PREFIX + (i + 1),
          list.substring(i * EC2_MAX_VALUE, Math.min(list.length(), (i + 1) * EC2_MAX_VALUE)));
    }
    return tags;
  }

  /** One entry of a snapshot's image list: what the build pulled and verified, by the index digest. */
  public record RecordedImage(String image, String platform, String digest) {}

  /**
   * The image × platform entries a snapshot's tags record; empty when it records none. A list cut to fit
   * ({@link #isCut}) holds only the entries before the cut.
   */
  public static List<RecordedImage> recordedImages(Map<String, String> tags) {
    String list = imageList(tags);
    if (list.endsWith(CUT)) {
      list = list.substring(0, list.lastIndexOf(','));
    }
    List<RecordedImage> images = new ArrayList<>();
    for (String entry : list.isEmpty() ? new String[0] : list.split(",")) {
      String[] words = entry.trim().split(" ");
      if (words.length == 3) {
        images.add(new RecordedImage(words[0], words[1], words[2]));
      }
    }
    return images;
  }

  /** Whether the snapshot's image list was cut to fit EC2's tags, so it does not name every image. */
  public static boolean isCut(Map<String, String> tags) {
    return imageList(tags).endsWith(CUT);
  }

  /** The image list of a snapshot's tags, as written by {@link #tags}; empty when it has none. */
  public static String imageList(Map<String, String> tags) {
    StringBuilder list = new StringBuilder();
    for (int i = 1; tags.containsKey(IMAGES_PREFIX + i); i++) {
      list.append(tags.get(IMAGES_PREFIX + i));
    }
    return list.toString();
  }

  /**
   * Volume bytes used per distinct compressed byte on the run that made the snapshot, or empty when its tags do
   * not say (a snapshot of an older precache, or of a build that measured nothing).
   */
  public static OptionalDouble usedPerCompressedByte(Map<String, String> tags) {
    OptionalLong compressed = number(tags.get(COMPRESSED_BYTES));
    OptionalLong used = number(tags.get(VOLUME_USED_BYTES));
    if (compressed.isEmpty() || used.isEmpty() || compressed.getAsLong() <= 0 || used.getAsLong() <= 0) {
      return OptionalDouble.empty();
    }
    return OptionalDouble.of((double) used.getAsLong() / compressed.getAsLong());
  }

  /** The bytes the build's volume used when it was snapshotted, or empty when its tags do not say. */
  public static OptionalLong volumeUsedBytes(Map<String, String> tags) {
    OptionalLong used = number(tags.get(VOLUME_USED_BYTES));
    return used.isPresent() && used.getAsLong() > 0 ? used : OptionalLong.empty();
  }

  private static OptionalLong number(String value) {
    try {
      return value == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(value));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  private static String sha256Hex(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
