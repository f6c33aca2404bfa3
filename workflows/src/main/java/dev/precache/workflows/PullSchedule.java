package dev.precache.workflows;

import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * How the pulls of a build share the instance: how many run at once when the request does not say, and in which
 * order they start. A pull fetches at most {@link BuildTimeModel#CONCURRENT_LAYERS} layers at a time, each over
 * one registry connection, and unpacks on one core; so the instance is kept busy by as many pulls as fill its
 * network at that rate, no more than it has cores, and no more than there are pulls.
 */
public final class PullSchedule {

  /** What {@code --parallelism} accepts, and so the most a plan chooses. */
  public static final int MAX_PARALLELISM = 32;

  private PullSchedule() {}

  /**
   * @param pulls                 image × platform pulls of the build
   * @param vcpus                 the build instance's vCPUs: one unpack stream each
   * @param networkBytesPerSecond what the build instance's network carries
   */
  public static int parallelism(int pulls, int vcpus, double networkBytesPerSecond) {
    double onePull = BuildTimeModel.CONCURRENT_LAYERS * BuildTimeModel.REGISTRY_CONNECTION_BYTES_PER_SECOND;
    int fillNetwork = (int) Math.ceil(networkBytesPerSecond / onePull);
    int chosen = Math.min(pulls, Math.min(Math.max(vcpus, 1), fillNetwork));
    return Math.max(1, Math.min(MAX_PARALLELISM, chosen));
  }

  /**
   * The order the pulls start in: largest first (compressed bytes, then as listed), so that the longest pull does
   * not start last and run on alone while the others have finished.
   */
  public static List<Integer> largestFirst(List<ResolvedImage> images) {
    return IntStream.range(0, images.size()).boxed()
        .sorted(Comparator.comparingLong((Integer i) -> images.get(i).compressedBytes()).reversed())
        .toList();
  }
}
