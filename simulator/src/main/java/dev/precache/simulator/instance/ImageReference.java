package dev.precache.simulator.instance;

/**
 * A reference as ctr takes it: {@code host[:port]/repository(:tag|@digest)}, fully qualified, no Docker
 * Hub shorthand — containerd does not normalize, so "busybox:latest" is not a valid ctr reference.
 */
record ImageReference(String host, String repository, String object) {

  /** Why a reference is unusable, worded as containerd's reference parser does. */
  static final class InvalidReference extends Exception {
    InvalidReference(String reason) {
      super(reason);
    }
  }

  static ImageReference parse(String reference) throws InvalidReference {
    int slash = reference.indexOf('/');
    String host = slash < 0 ? reference : reference.substring(0, slash);
    String rest = slash < 0 ? "" : reference.substring(slash + 1);
    int at = rest.indexOf('@');
    int colon = rest.lastIndexOf(':');
    if (host.contains(":") && !host.matches("[^:]+:\\d+")) {
      throw new InvalidReference("parse \"dummy://" + reference + "\": invalid port \""
          + host.substring(host.indexOf(':')) + "\" after host");
    }
    if (rest.isEmpty() || at < 0 && colon < 0) {
      throw new InvalidReference("object required");
    }
    int split = at >= 0 ? at : colon;
    return new ImageReference(host, rest.substring(0, split), rest.substring(split + 1));
  }
}
