package dev.precache.starter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An EC2NodeClass's {@code spec.blockDeviceMappings} with one device's entry set. The CRD declares the list
 * without {@code x-kubernetes-list-type}, so it is atomic: whoever writes it writes every entry. Setting one
 * device therefore starts from the class's current list and keeps every other entry as it is, in its place.
 */
final class BlockDeviceMappings {
  private BlockDeviceMappings() {}

  /** {@code current} (null: the class has none) with the entry for {@code entry}'s device replaced or appended. */
  static List<Object> withEntry(List<?> current, Map<String, Object> entry) {
    Object device = entry.get("deviceName");
    List<Object> mappings = new ArrayList<>();
    boolean replaced = false;
    for (Object mapping : current == null ? List.of() : current) {
      if (mapping instanceof Map<?, ?> map && Objects.equals(map.get("deviceName"), device)) {
        if (!replaced) {
          mappings.add(entry);
          replaced = true;
        }
      } else {
        mappings.add(mapping);
      }
    }
    if (!replaced) {
      mappings.add(entry);
    }
    return mappings;
  }
}
