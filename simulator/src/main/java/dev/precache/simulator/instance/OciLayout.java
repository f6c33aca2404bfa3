package dev.precache.simulator.instance;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.precache.simulator.instance.CatalogImage.Layer;
import dev.precache.simulator.instance.CatalogImage.PlatformManifest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds an image's OCI documents from its layers, per the OCI image spec: the config (architecture, os,
 * rootfs.diff_ids), one image manifest per platform, and the index naming each manifest with its platform.
 * Layer digests and diff IDs are derived from a seed, since no layer bytes exist; document digests are the
 * sha256 of the documents' bytes.
 */
final class OciLayout {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Fixed, so a catalog always builds the same digests. */
  private static final String CREATED = "2025-06-01T00:00:00Z";

  private OciLayout() {}

  static Layer layer(String seed, long size, long unpackedSize) {
    return new Layer(RegistryCatalog.digest("blob|" + seed), size, unpackedSize, RegistryCatalog.digest("diff|" + seed));
  }

  /** @param layersByPlatform keyed by the platform as the index names it, {@code os/arch[/variant]} */
  static CatalogImage image(String reference, Map<String, List<Layer>> layersByPlatform) {
    Map<String, PlatformManifest> platforms = new LinkedHashMap<>();
    ArrayNode manifests = JSON.createArrayNode();
    layersByPlatform.forEach((platform, layers) -> {
      ObjectNode platformNode = platformNode(platform);
      OciDocument config = config(platformNode, layers);
      OciDocument manifest = manifest(config, layers);
      manifests.addObject().put("mediaType", OciDocument.MANIFEST).put("digest", manifest.digest())
          .put("size", manifest.size()).set("platform", platformNode);
      platforms.put(Platform.normalize(platform), new PlatformManifest(platform, manifest, config, List.copyOf(layers)));
    });
    ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", OciDocument.INDEX);
    index.set("manifests", manifests);
    return new CatalogImage(reference, OciDocument.of(OciDocument.INDEX, index.toString()),
        Collections.unmodifiableMap(platforms));
  }

  private static ObjectNode platformNode(String platform) {
    String[] parts = platform.split("/");
    if (parts.length < 2) {
      throw new IllegalArgumentException("registry catalog: platform " + platform + " is not os/arch[/variant]");
    }
    ObjectNode node = JSON.createObjectNode().put("architecture", parts[1]).put("os", parts[0]);
    if (parts.length > 2) {
      node.put("variant", parts[2]);
    }
    return node;
  }

  private static OciDocument config(ObjectNode platform, List<Layer> layers) {
    ObjectNode config = JSON.createObjectNode().put("created", CREATED);
    config.setAll(platform);
    config.putObject("config").putArray("Env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    ObjectNode rootfs = config.putObject("rootfs").put("type", "layers");
    ArrayNode diffIds = rootfs.putArray("diff_ids");
    layers.forEach(layer -> diffIds.add(layer.diffId()));
    return OciDocument.of(OciDocument.CONFIG, config.toString());
  }

  private static OciDocument manifest(OciDocument config, List<Layer> layers) {
    ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", OciDocument.MANIFEST);
    manifest.putObject("config").put("mediaType", OciDocument.CONFIG).put("digest", config.digest())
        .put("size", config.size());
    ArrayNode layerNodes = manifest.putArray("layers");
    layers.forEach(layer -> layerNodes.addObject().put("mediaType", OciDocument.LAYER).put("digest", layer.digest())
        .put("size", layer.size()));
    return OciDocument.of(OciDocument.MANIFEST, manifest.toString());
  }
}
