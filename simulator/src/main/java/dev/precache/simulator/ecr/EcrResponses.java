package dev.precache.simulator.ecr;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.precache.simulator.AwsException;
import dev.precache.simulator.instance.RegistryCatalog;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** ECR's JSON 1.1 protocol: only what {@code docker login}/{@code ctr --user} need, an authorization token. */
public final class EcrResponses {
    private static final long TOKEN_LIFETIME_MILLIS = 12 * 3600 * 1000L;

    private final RegistryCatalog catalog;
    private final String region;
    private final String accountId;
    private final ObjectMapper json = new ObjectMapper();

    public EcrResponses(RegistryCatalog catalog, String region, String accountId) {
        this.catalog = catalog;
        this.region = region;
        this.accountId = accountId;
    }

    public ObjectNode handle(String operation, long now) {
        if (!operation.equals("GetAuthorizationToken")) {
            throw new AwsException("InvalidAction", "Unknown operation " + operation);
        }
        String token = Base64.getEncoder().encodeToString(("AWS:" + catalog.issueEcrToken(region))
                .getBytes(StandardCharsets.UTF_8));
        ObjectNode out = json.createObjectNode();
        out.putArray("authorizationData").addObject()
                .put("authorizationToken", token)
                .put("expiresAt", (now + TOKEN_LIFETIME_MILLIS) / 1000.0)
                .put("proxyEndpoint", "https://" + accountId + ".dkr.ecr." + region + ".amazonaws.com");
        return out;
    }
}
