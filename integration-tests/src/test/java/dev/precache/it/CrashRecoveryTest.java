package dev.precache.it;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A build of one large model whose pull is killed in the middle: the dev server and a simulated cloud slow enough
 * that the pull is still running when the kill comes. As in {@link RealBuildTest}, each subclass gets its own.
 */
abstract class CrashRecoveryTest {
  @RegisterExtension
  @Order(1)
  static final TemporalDevServer temporal = new TemporalDevServer();
  /** Slower than the other tests so that the pull is still running when the server or the worker is killed. */
  @RegisterExtension
  @Order(2)
  static final SimulatedAws aws = new SimulatedAws(0.02);

  /** 16.1 GB: about two minutes of simulated pull, a few seconds of real time. */
  static final String LLAMA = "quay.io/redhat-ai-services/modelcar-catalog:llama-3.1-8b-instruct";
}
