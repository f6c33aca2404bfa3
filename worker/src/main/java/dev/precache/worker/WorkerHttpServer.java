package dev.precache.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The worker's HTTP endpoints ({@code --metrics-port}): {@code GET /metrics} in Prometheus's text format,
 * {@code /livez} and {@code /readyz}, each 200 when every check passes and 503 otherwise, with a JSON body
 * {@code {"ok": false, "checks": [{"name": "search_attributes", "ok": false, "detail": "missing …"}]}}.
 */
final class WorkerHttpServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;

  private WorkerHttpServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  static WorkerHttpServer start(InetSocketAddress address, Supplier<String> metrics,
      Supplier<List<HealthCheck>> liveness, Supplier<List<HealthCheck>> readiness) throws IOException {
    HttpServer server = HttpServer.create(address, 0);
    // Two: a slow readiness probe (a check waits up to seconds on Temporal) does not hold up a scrape.
    ExecutorService executor = Executors.newFixedThreadPool(2, runnable -> {
      Thread thread = new Thread(runnable, "precache-http");
      thread.setDaemon(true);
      return thread;
    });
    server.setExecutor(executor);
    server.createContext("/metrics", exchange -> respond(exchange, 200,
        "text/plain; version=0.0.4; charset=utf-8", metrics.get()));
    server.createContext("/livez", exchange -> health(exchange, liveness.get()));
    server.createContext("/readyz", exchange -> health(exchange, readiness.get()));
    server.start();
    return new WorkerHttpServer(server, executor);
  }

  InetSocketAddress address() {
    return server.getAddress();
  }

  private static void health(HttpExchange exchange, List<HealthCheck> checks) throws IOException {
    boolean ok = checks.stream().allMatch(HealthCheck::ok);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("ok", ok);
    body.put("checks", checks);
    respond(exchange, ok ? 200 : 503, "application/json", JSON.writeValueAsString(body));
  }

  private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
    try (exchange) {
      if (!exchange.getRequestURI().getPath().equals(exchange.getHttpContext().getPath())) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", contentType);
      boolean head = exchange.getRequestMethod().equals("HEAD");
      exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
