package dev.precache.workflows;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether the build instance can feed the pulls for the whole pull, and which type would: an "up to" type whose
 * burst credits ({@link InstanceCapacity}) run out before the downloads end falls back to a baseline below what
 * the pulls could use, and the rest of the pull is bound by it.
 */
public final class InstanceFit {

  private InstanceFit() {}

  /**
   * The warning, or null when the instance sustains what the pulls can use, or its burst outlasts them.
   *
   * @param family the build instance and its family (null when not looked up: no warning)
   * @param pulls  image × platform pulls in the build
   */
  public static String warning(BuildRequest request, InstanceCapacity.Family family, VolumeSizing sizing, int pulls) {
    if (family == null || family.instance() == null) {
      return null;
    }
    InstanceCapacity instance = family.instance();
    double wanted = BuildTimeModel.downloadBytesPerSecond(request, instance, pulls);
    if (sizing.compressedBytes() <= instance.burstBytes(wanted)) {
      return null;
    }
    String warning = String.format(Locale.ROOT,
        "%s sustains %s (bursts to %s for a few minutes); the pulls could use %s, so once its burst credits run"
            + " out they will be bound by its network", instance.instanceType(),
        InstanceCapacity.gbits(instance.baselineGbps()), InstanceCapacity.gbits(instance.peakGbps()),
        InstanceCapacity.gbits(wanted * 8 / 1e9));
    return suggestion(family, instance, wanted)
        .map(better -> warning + "; " + better.instanceType() + " sustains "
            + InstanceCapacity.gbits(better.baselineGbps()))
        .orElse(warning);
  }

  /** The smallest type of the family that sustains {@code wanted}, else the one that sustains most, if more. */
  static Optional<InstanceCapacity> suggestion(InstanceCapacity.Family family, InstanceCapacity instance,
      double wanted) {
    List<InstanceCapacity> others = family.family() == null ? List.of() : family.family();
    Optional<InstanceCapacity> enough = others.stream()
        .filter(type -> type.baselineBytesPerSecond() >= wanted)
        .min(Comparator.comparingInt(InstanceCapacity::vcpus).thenComparingDouble(InstanceCapacity::baselineGbps));
    if (enough.isPresent()) {
      return enough;
    }
    return others.stream()
        .filter(type -> type.baselineGbps() > instance.baselineGbps())
        .max(Comparator.comparingDouble(InstanceCapacity::baselineGbps)
            .thenComparing(Comparator.comparingInt(InstanceCapacity::vcpus).reversed()));
  }
}
