package dev.precache.simulator.instance;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A JSON document a registry serves (index, manifest, config): its bytes, and the sha256 of those bytes. */
public record OciDocument(String mediaType, String digest, byte[] content) {
  public static final String INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

  static OciDocument of(String mediaType, String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    return new OciDocument(mediaType, sha256(bytes), bytes);
  }

  public long size() {
    return content.length;
  }

  public byte[] content() {
    return content.clone();
  }

  /** {@code sha256:<hex>} of the bytes, as registries compute digests. */
  public static String sha256Of(byte[] bytes) {
    return sha256(bytes);
  }

  static String sha256(byte[] bytes) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
