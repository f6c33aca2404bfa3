package dev.precache.it;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A test class whose builds run for real: the dev server, the simulated cloud and the production worker in this
 * JVM, started in that order before the class's tests and stopped in reverse after them. The fields are shared
 * by the subclasses, which run one after another, but each subclass gets its own server, cloud and worker: the
 * extensions start afresh in every class's {@code beforeAll}.
 */
abstract class RealBuildTest {
  @RegisterExtension
  @Order(1)
  static final TemporalDevServer temporal = new TemporalDevServer();
  @RegisterExtension
  @Order(2)
  static final SimulatedAws aws = new SimulatedAws(0.005);
  @RegisterExtension
  @Order(3)
  static final InProcessWorker worker = new InProcessWorker(temporal, aws);
}
