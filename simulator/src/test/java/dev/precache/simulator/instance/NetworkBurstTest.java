package dev.precache.simulator.instance;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** EC2's "up to" network in the pull model: the peak while the network I/O credits last, the baseline after. */
class NetworkBurstTest {
  private static final double MB = 1_000_000;
  private static final long GB = 1_000_000_000L;

  /** 1,250 MB/s peak (10 Gbit/s) on a 125 MB/s baseline, credits for {@code burstSeconds} at the peak. */
  private record BurstingHost(double burstSeconds) implements HostSpec {
    @Override
    public String instanceId() {
      return "i-0123456789abcdef0";
    }

    @Override
    public int kubernetesMinorVersion() {
      return 33;
    }

    @Override
    public double networkBytesPerSecond() {
      return 1250 * MB;
    }

    @Override
    public double baselineNetworkBytesPerSecond() {
      return 125 * MB;
    }

    @Override
    public double networkBurstCreditBytes() {
      return (networkBytesPerSecond() - baselineNetworkBytesPerSecond()) * burstSeconds;
    }

    @Override
    public DataVolume dataVolume() {
      return new DataVolume() {
        @Override
        public long capacityBytes() {
          return 1000 * GB;
        }

        @Override
        public double throughputBytesPerSecond() {
          return 10_000 * MB;
        }
      };
    }

    @Override
    public int vcpus() {
      return 8;
    }
  }

  /** Plays the model's events until the transfer ends, as the runtime does; returns when it ended. */
  private static long runToEnd(PullTraffic traffic, PullTraffic.Transfer transfer) {
    long now = 0;
    while (transfer.state() == PullTraffic.State.ACTIVE) {
      now = traffic.nextEventAt();
      traffic.settle(now);
    }
    return now;
  }

  @Test
  void downloadRunsAtPeakUntilCreditsAreSpentThenAtBaseline() {
    PullTraffic traffic = new PullTraffic(new BurstingHost(4), () -> 0);
    PullTraffic.Transfer download = traffic.download(10 * GB, Double.MAX_VALUE, 0);
    assertThat(traffic.networkBytesPerSecond()).isEqualTo(1250 * MB);

    // 4 s at 1,250 MB/s moves 5 GB and spends the credits; the other 5 GB at 125 MB/s take 40 s.
    traffic.advanceTo(3_999);
    assertThat(traffic.networkBytesPerSecond()).isEqualTo(1250 * MB);
    assertThat(traffic.nextEventAt()).isEqualTo(4_000);
    traffic.settle(4_000);
    assertThat(traffic.networkBytesPerSecond()).isEqualTo(125 * MB);
    assertThat(download.writtenBytes()).isEqualTo(5 * GB);
    assertThat(runToEnd(traffic, download)).isEqualTo(44_000);
    assertThat(download.state()).isEqualTo(PullTraffic.State.DONE);
  }

  @Test
  void trafficAtOrBelowBaselineSpendsNoCredits() {
    PullTraffic traffic = new PullTraffic(new BurstingHost(4), () -> 0);
    // A registry that serves 100 MB/s never takes the network above its baseline: 20 s, credits intact.
    PullTraffic.Transfer slow = traffic.download(2 * GB, 100 * MB, 0);
    assertThat(runToEnd(traffic, slow)).isEqualTo(20_000);
    assertThat(traffic.networkBytesPerSecond()).isEqualTo(1250 * MB);
    // The credits are still there for the next pull: 5 GB in 4 s at the peak.
    PullTraffic.Transfer fast = traffic.download(5 * GB, Double.MAX_VALUE, 20_000);
    assertThat(runToEnd(traffic, fast)).isEqualTo(24_000);
  }

  @Test
  void concurrentDownloadsShareTheBaselineAfterTheBurst() {
    PullTraffic traffic = new PullTraffic(new BurstingHost(2), () -> 0);
    PullTraffic.Transfer a = traffic.download(5 * GB, Double.MAX_VALUE, 0);
    PullTraffic.Transfer b = traffic.download(5 * GB, Double.MAX_VALUE, 0);
    // 2 s at the peak: 1.25 GB each; then 62.5 MB/s each for the remaining 3.75 GB: 60 s more.
    long end = runToEnd(traffic, a);
    assertThat(end).isEqualTo(62_000);
    assertThat(b.state()).isEqualTo(PullTraffic.State.DONE);
  }
}
