package dev.precache.simulator.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.precache.simulator.fault.Faults;
import dev.precache.simulator.instance.RegistryCatalog;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP listener on 127.0.0.1 and an ephemeral port per registry host of the catalog, each serving that
 * host's OCI Distribution API. A client reaches {@code docker.io/library/nginx:1.27} at
 * {@code registryEndpoints().get("docker.io") + "/v2/library/nginx/manifests/1.27"}.
 */
public final class RegistryServers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RegistryServers.class);

  private final Map<String, URI> endpoints = new LinkedHashMap<>();
  private final List<HttpServer> servers = new ArrayList<>();
  private ExecutorService executor;

  public RegistryServers start(RegistryCatalog catalog, Faults faults) throws IOException {
    executor = Executors.newFixedThreadPool(4, r -> {
      Thread thread = new Thread(r, "simulator-registry");
      thread.setDaemon(true);
      return thread;
    });
    RegistryTokens tokens = new RegistryTokens();
    for (String host : catalog.hosts()) {
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
      String base = "http://127.0.0.1:" + server.getAddress().getPort();
      RegistryResponses responses = new RegistryResponses(host, catalog, faults, tokens, base);
      server.setExecutor(executor);
      server.createContext("/", exchange -> serve(exchange, responses, host));
      server.start();
      servers.add(server);
      endpoints.put(host, URI.create(base));
    }
    log.info("registries listening: {}", endpoints);
    return this;
  }

  /** Registry host, as it appears in normalized references → its listener's base URL. */
  public Map<String, URI> endpoints() {
    return Collections.unmodifiableMap(endpoints);
  }

  @Override
  public void close() {
    servers.forEach(server -> server.stop(0));
    if (executor != null) {
      executor.shutdownNow();
    }
  }

  private static void serve(HttpExchange exchange, RegistryResponses responses, String host) throws IOException {
    try (exchange) {
      exchange.getRequestBody().readAllBytes();
      RegistryResponses.Response response;
      try {
        response = responses.handle(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
            exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders());
      } catch (RuntimeException e) {
        log.error("registry {} failed on {} {}", host, exchange.getRequestMethod(), exchange.getRequestURI(), e);
        response = new RegistryResponses.Response(500, Map.of("Content-Type", "application/json"),
            ("{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"" + e.getClass().getSimpleName() + "\"}]}").getBytes());
      }
      response.headers().forEach(exchange.getResponseHeaders()::set);
      if (exchange.getRequestMethod().equals("HEAD")) {
        exchange.getResponseHeaders().set("Content-Length", String.valueOf(response.contentLength()));
        exchange.sendResponseHeaders(response.status(), -1);
        return;
      }
      exchange.sendResponseHeaders(response.status(), response.body().length == 0 ? -1 : response.body().length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(response.body());
      }
    }
  }
}
