package dev.precache.workflows;

/**
 * One layer of a resolved manifest, as the registry describes it. A manifest gives only the compressed size;
 * how much it unpacks to is estimated ({@link VolumeSizing}).
 *
 * @param digest          {@code sha256:<hex>} of the compressed blob
 * @param mediaType       e.g. {@code application/vnd.oci.image.layer.v1.tar+gzip}
 * @param compressedBytes the blob's size in the manifest
 */
public record ResolvedLayer(String digest, String mediaType, long compressedBytes) {}
