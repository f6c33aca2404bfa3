package dev.precache.workflows;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

/**
 * What a build stores in its {@link BuildSearchAttributes#IMAGES} keyword list, so {@code precache list --image}
 * finds it by any of its images. Temporal refuses a search attribute value whose encoding passes 2048 bytes
 * ({@code limit.searchAttributesSizeOfValue}): about 80 whole references. A list that fits is stored whole,
 * readable in the Web UI; a longer one as a short stable key per normalised reference ({@link #key}), which
 * 200 references (the validator's maximum pulls) always fit. A listing looks for both spellings.
 */
public final class ImageIndex {

  /** Temporal's default {@code limit.searchAttributesSizeOfValue}, in bytes of the value's JSON encoding. */
  static final int VALUE_LIMIT = 2048;
  /** Base64url characters of SHA-256 per key: 42 bits; 200 keys encode to 2002 bytes. */
  static final int KEY_LENGTH = 7;

  private ImageIndex() {}

  /** The attribute's value for a build of these normalised references. */
  public static List<String> of(List<String> images) {
    return encodedSize(images) <= VALUE_LIMIT ? List.copyOf(images) : images.stream().map(ImageIndex::key).toList();
  }

  /**
   * The key of one normalised reference: no '/', so never mistaken for a whole reference, which always has
   * one (registry/repository).
   */
  public static String key(String image) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(image.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(hash).substring(0, KEY_LENGTH);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  /** Whether a value of the attribute is a key rather than a whole reference. */
  public static boolean isKey(String value) {
    return value.indexOf('/') < 0;
  }

  /**
   * Bytes of {@code ["a","b"]}: normalised references are ASCII with nothing JSON escapes (the reference
   * grammar has no quote, backslash or control character).
   */
  static int encodedSize(List<String> values) {
    int size = 2 + Math.max(0, values.size() - 1);
    for (String value : values) {
      size += value.getBytes(StandardCharsets.UTF_8).length + 2;
    }
    return size;
  }
}
