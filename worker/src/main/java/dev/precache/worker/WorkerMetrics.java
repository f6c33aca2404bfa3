package dev.precache.worker;

import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import com.uber.m3.tally.ScopeCloseException;
import dev.precache.workflows.BuildMetrics;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's Prometheus registry and the Temporal metrics scope that reports into it: given to the service
 * stubs, it carries the SDK's {@code temporal_} metrics and precache's own ({@link BuildMetrics}), which workflows
 * and activities record on the scopes the SDK derives from it.
 */
final class WorkerMetrics implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WorkerMetrics.class);
  /**
   * How often the scope hands its counters to the registry. Timers go at once; a counter shows in a scrape up to
   * this much later.
   */
  static final Duration REPORT_INTERVAL = Duration.ofSeconds(1);
  /**
   * Step-duration buckets: a build's steps last from seconds (the SSM agent, 8 s in FIGURES.md) to the better part
   * of an hour (a 150 GiB snapshot copied at 150 MiB/s: 17 min; a large pull set several minutes), and a build
   * may run for up to its 48 h deadline.
   */
  private static final List<Duration> STEP_BUCKETS = Stream.of(1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600,
      7200, 14400).map(Duration::ofSeconds).toList();
  /**
   * Buckets of the SDK's latencies (requests, polls, task schedule-to-start, activity execution), 5 ms to 1 min:
   * Micrometer's default percentile histogram has 69 buckets per series, and with the SDK's labels a worker's
   * scrape ran to about 2 MB after three builds.
   */
  private static final List<Duration> LATENCY_BUCKETS = Stream.of(5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000,
      10000, 30000, 60000).map(Duration::ofMillis).toList();

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Scope scope;

  WorkerMetrics() {
    registry.config().meterFilter(timerBuckets());
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    scope = new RootScopeBuilder()
        .reporter(new MicrometerClientStatsReporter(registry))
        .reportEvery(com.uber.m3.util.Duration.ofMillis(REPORT_INTERVAL.toMillis()));
  }

  /** For {@code WorkflowServiceStubsOptions.setMetricsScope}. */
  Scope scope() {
    return scope;
  }

  /** Prometheus's text exposition format. */
  String scrape() {
    return registry.scrape();
  }

  /**
   * The SDK reports every timer as a percentile histogram with Micrometer's default buckets; these are fewer, and
   * steps, which last minutes, get their own.
   */
  private static MeterFilter timerBuckets() {
    double[] steps = nanos(STEP_BUCKETS);
    double[] latencies = nanos(LATENCY_BUCKETS);
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        if (id.getType() != Meter.Type.TIMER) {
          return config;
        }
        return DistributionStatisticConfig.builder().percentilesHistogram(false).serviceLevelObjectives(
            id.getName().equals(BuildMetrics.STEP_DURATION) ? steps : latencies).build().merge(config);
      }
    };
  }

  private static double[] nanos(List<Duration> buckets) {
    return buckets.stream().mapToDouble(Duration::toNanos).toArray();
  }

  /** Reports what the scope still holds, then closes the registry. */
  @Override
  public void close() {
    try {
      scope.close();
    } catch (ScopeCloseException e) {
      log.warn("metrics: the last report failed: {}", e.toString());
    } finally {
      registry.close();
    }
  }
}
