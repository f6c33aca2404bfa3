package dev.precache.workflows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The value of {@link SnapshotLifecycle#NODECLASS}: the classes set to a snapshot, {@code <context>/<class>} each,
 * comma-separated (a class name is a DNS subdomain, so it has no comma), newest last, within EC2's 256 characters.
 */
public final class NodeClassTag {
  /** EC2's limit on a tag value. */
  public static final int MAX_VALUE_LENGTH = 256;

  private NodeClassTag() {}

  /**
   * {@code current} with {@code nodeClass} added last; the oldest other classes are dropped when all would not fit
   * (the snapshot stays tagged, so retention still keeps it).
   */
  public static String with(String current, String nodeClass) {
    List<String> classes = new ArrayList<>(classes(current));
    classes.remove(nodeClass);
    classes.add(nodeClass);
    while (classes.size() > 1 && String.join(",", classes).length() > MAX_VALUE_LENGTH) {
      classes.remove(0);
    }
    return String.join(",", classes);
  }

  /** {@code current} without {@code nodeClass}; null when no class is left (the tag is to be removed). */
  public static String without(String current, String nodeClass) {
    List<String> classes = new ArrayList<>(classes(current));
    classes.remove(nodeClass);
    return classes.isEmpty() ? null : String.join(",", classes);
  }

  /** The classes a value names. */
  public static List<String> classes(String value) {
    return value == null || value.isBlank() ? List.of()
        : Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }
}
