package dev.precache.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.precache.simulator.admin.AdminResponses;
import dev.precache.simulator.cloudformation.CloudFormationResponses;
import dev.precache.simulator.ec2.Ec2Responses;
import dev.precache.simulator.ecr.EcrResponses;
import dev.precache.simulator.instance.RegistryCatalog;
import dev.precache.simulator.protocol.ErrorReplies;
import dev.precache.simulator.protocol.FlatParameters;
import dev.precache.simulator.protocol.QueryRequest;
import dev.precache.simulator.protocol.Reply;
import dev.precache.simulator.registry.RegistryServers;
import dev.precache.simulator.ssm.SsmResponses;
import dev.precache.simulator.sts.StsResponses;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated cloud served over HTTP on 127.0.0.1. JSON 1.1 requests are routed by {@code X-Amz-Target};
 * query-protocol requests by the service in the SigV4 credential scope, which also names the region.
 * Signatures are not checked.
 */
public final class SimulatorServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SimulatorServer.class);
    private static final Pattern CREDENTIAL_SCOPE =
            Pattern.compile("Credential=[^/]+/\\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request");
    private static final String DEFAULT_REGION = "us-west-2";

    private final Cloud cloud;
    private final int requestedPort;
    private final AdminResponses admin;
    private final ObjectMapper json = new ObjectMapper();
    private final RegistryServers registries = new RegistryServers();
    private HttpServer server;
    private ExecutorService executor;

    public SimulatorServer(int port, SimClock clock, RegistryCatalog catalog) {
        this.cloud = new Cloud(clock, catalog);
        this.requestedPort = port;
        this.admin = new AdminResponses(cloud);
    }

    /** An ephemeral-port simulator with the default registry catalog. */
    public static SimulatorServer ephemeral(double timeScale) {
        return new SimulatorServer(0, new SimClock(timeScale), RegistryCatalog.defaults());
    }

    public SimulatorServer start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), requestedPort), 64);
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread thread = new Thread(r, "simulator-http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::serve);
        server.start();
        registries.start(cloud.catalog(), cloud.faults());
        cloud.useRegistryEndpoints(registries.endpoints());
        log.info("AWS simulator listening on http://127.0.0.1:{} (time scale {})", port(), cloud.clock().scale());
        return this;
    }

    /**
     * Registry host as it appears in normalized references ({@code docker.io}, {@code quay.io},
     * {@code 123456789012.dkr.ecr.us-west-2.amazonaws.com}) → its registry's base URL on loopback; also
     * {@code GET /_sim/registries}.
     */
    public Map<String, URI> registryEndpoints() {
        return registries.endpoints();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port();
    }

    /** In-process access to state, inspection and faults. */
    public Cloud cloud() {
        return cloud;
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
        }
        registries.close();
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String path = exchange.getRequestURI().getPath();
            Reply reply;
            try {
                reply = path.startsWith("/_sim/")
                        ? admin.handle(exchange.getRequestMethod(), path, body)
                        : aws(exchange, body);
            } catch (RuntimeException e) {
                log.error("simulator failed on {} {}", exchange.getRequestMethod(), path, e);
                reply = new Reply(500, "application/json",
                        json.createObjectNode().put("message", String.valueOf(e.getMessage())).toString());
            }
            byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", reply.contentType());
            exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private Reply aws(HttpExchange exchange, String body) {
        String requestId = cloud.clock().nowMillis() + "-" + Long.toHexString(System.nanoTime());
        exchange.getResponseHeaders().set("x-amzn-RequestId", requestId);
        Matcher scope = CREDENTIAL_SCOPE.matcher(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
        boolean signed = scope.find();
        String region = signed ? scope.group(1) : DEFAULT_REGION;
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        if (target != null) {
            return json(target, body, region);
        }
        String service = signed ? scope.group(2) : "";
        return query(service, QueryRequest.parse(body), region, requestId);
    }

    private Reply json(String target, String body, String region) {
        String prefix = target.substring(0, target.indexOf('.') + 1);
        String operation = target.substring(prefix.length());
        try {
            JsonNode request = body.isBlank() ? json.createObjectNode() : json.readTree(body);
            synchronized (cloud) {
                long now = cloud.advance();
                Region models = cloud.region(region);
                return logged(now, service(prefix), operation, region, FlatParameters.of(request), models,
                        () -> Reply.json(switch (prefix) {
                    case "AmazonSSM." -> new SsmResponses(models.ssm(), region, Cloud.ACCOUNT_ID)
                            .handle(operation, request, now).toString();
                    case "AmazonEC2ContainerRegistry_V20150921." ->
                            new EcrResponses(cloud.catalog(), region, Cloud.ACCOUNT_ID).handle(operation).toString();
                    default -> throw new AwsException("UnknownOperationException", "Unknown target " + target);
                }));
            }
        } catch (AwsException e) {
            return ErrorReplies.json(e);
        } catch (IOException e) {
            return ErrorReplies.json(new AwsException("SerializationException", e.getMessage()));
        }
    }

    private static String service(String jsonTargetPrefix) {
        return switch (jsonTargetPrefix) {
            case "AmazonSSM." -> "ssm";
            case "AmazonEC2ContainerRegistry_V20150921." -> "ecr";
            default -> jsonTargetPrefix;
        };
    }

    /**
     * Injects the faults in force for the call, answers it and records it, with its error code if it failed, its
     * parameters and the tags its resources had before it was answered.
     */
    private Reply logged(long now, String service, String operation, String region, Map<String, String> parameters,
            Region models, Supplier<Reply> answer) {
        Map<String, Map<String, String>> resourceTags = NamedResources.tags(service, parameters, models, cloud::region);
        try {
            cloud.faults().maybeFail(service, operation);
            Reply reply = answer.get();
            cloud.requests().record(
                    new RequestLog.Call(now, service, operation, region, null, parameters, resourceTags));
            return reply;
        } catch (AwsException e) {
            cloud.requests().record(
                    new RequestLog.Call(now, service, operation, region, e.code(), parameters, resourceTags));
            throw e;
        }
    }

    private Reply query(String service, QueryRequest request, String region, String requestId) {
        try {
            synchronized (cloud) {
                long now = cloud.advance();
                Region models = cloud.region(region);
                return logged(now, service, request.action(), region, FlatParameters.of(request), models,
                        () -> Reply.xml(switch (service) {
                    case "ec2" -> new Ec2Responses(models.ec2(), Cloud.ACCOUNT_ID, r -> cloud.region(r).ec2())
                            .handle(request, requestId, now);
                    case "cloudformation" -> new CloudFormationResponses(models.cloudFormation())
                            .handle(request, requestId, now);
                    case "sts" -> new StsResponses(Cloud.ACCOUNT_ID).handle(request, requestId);
                    default -> throw new AwsException("InvalidAction", "Unknown service '" + service
                            + "': sign requests with SigV4 so the credential scope names the service");
                }));
            }
        } catch (AwsException e) {
            return switch (service) {
                case "ec2" -> ErrorReplies.ec2(e, requestId);
                case "sts" -> ErrorReplies.query(e, StsResponses.NAMESPACE, requestId);
                default -> ErrorReplies.query(e, CloudFormationResponses.NAMESPACE, requestId);
            };
        }
    }
}
