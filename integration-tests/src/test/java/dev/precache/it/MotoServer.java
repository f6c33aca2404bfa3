package dev.precache.it;

import dev.precache.worker.LoopbackPorts;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * moto's server mode on a loopback port, for the test class that registers it:
 * {@code @RegisterExtension static final MotoServer moto = new MotoServer();}. Clients point their endpoint at
 * {@link #endpoint()} with {@link #ACCESS_KEY_ID}/{@link #SECRET_ACCESS_KEY} and {@link #REGION}.
 */
final class MotoServer implements BeforeAllCallback, AfterAllCallback {
  static final String ACCESS_KEY_ID = "test";
  static final String SECRET_ACCESS_KEY = "test";
  static final String REGION = "us-west-2";
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

  private int port;
  private ChildProcess process;

  @Override
  public void beforeAll(ExtensionContext context) throws InterruptedException {
    Path motoServer = RequiredTool.onPathOr("moto_server", List.of());
    port = LoopbackPorts.reserve();
    Path log = BuildDirectory.newDirectory("moto-").resolve("moto.log");
    // Static dummy credentials and no metadata service: without them moto itself reaches for 169.254.169.254.
    Map<String, String> environment = Map.of(
        "AWS_ACCESS_KEY_ID", ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION", REGION,
        "AWS_EC2_METADATA_DISABLED", "true");
    process = ChildProcess.start("moto_server",
        List.of(motoServer.toString(), "-H", LoopbackPorts.HOST, "-p", String.valueOf(port)), environment, log);
    awaitReady();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (process != null) {
      process.close();
    }
  }

  URI endpoint() {
    return URI.create("http://" + LoopbackPorts.HOST + ":" + port);
  }

  private void awaitReady() throws InterruptedException {
    process.awaitHttpOk(endpoint().resolve("/moto-api/data.json"), STARTUP_TIMEOUT, Duration.ofMillis(250));
  }
}
