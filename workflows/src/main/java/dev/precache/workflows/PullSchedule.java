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
   * Whether the pulls go client-side, {@code ctr images pull --local}: when more than one runs at once. containerd
   * 2.x's transfer service (ctr's default) paces the downloads of all its pulls with one semaphore of
   * {@code max_concurrent_downloads}, 3 (core/transfer/local/transfer.go NewTransferService, pull.go
   * WithDownloadLimiter: containerd v2.1), so parallel pulls would share 3 layer downloads on the whole instance;
   * a client-side pull downloads every layer of its image at once (client.Fetch sets no limiter) and unpacks them
   * after its fetch. {@code --max-concurrent-downloads} is no lever: refused without {@code --local}, read by no
   * one with it since v2.1. A pull alone keeps the transfer service: its 3 downloads are all its own and it
   * unpacks each layer as it arrives. On containerd 1.7 {@code --local} is already ctr's default.
   *
   * @param parallelism pulls at once
   * @param pulls       image × platform pulls of the build
   */
  public static boolean clientSide(int parallelism, int pulls) {
    return Math.min(parallelism, pulls) > 1;
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
