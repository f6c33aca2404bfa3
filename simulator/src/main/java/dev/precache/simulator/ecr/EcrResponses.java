package dev.precache.simulator.ecr;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.precache.simulator.AwsException;
import dev.precache.simulator.instance.EcrAuthorization;
import dev.precache.simulator.instance.RegistryCatalog;

/** ECR's JSON 1.1 protocol: only what {@code docker login}/{@code ctr --user} need, an authorization token. */
public final class EcrResponses {
    private final RegistryCatalog catalog;
    private final String region;
    private final String accountId;
    private final ObjectMapper json = new ObjectMapper();

    public EcrResponses(RegistryCatalog catalog, String region, String accountId) {
        this.catalog = catalog;
        this.region = region;
        this.accountId = accountId;
    }

    public ObjectNode handle(String operation) {
        if (!operation.equals("GetAuthorizationToken")) {
            throw new AwsException("InvalidAction", "Unknown operation " + operation);
        }
        EcrAuthorization authorization = catalog.issueEcrAuthorization(accountId, region);
        ObjectNode out = json.createObjectNode();
        out.putArray("authorizationData").addObject()
                .put("authorizationToken", authorization.authorizationToken())
                .put("expiresAt", authorization.expiresAtSimMillis() / 1000.0)
                .put("proxyEndpoint", authorization.proxyEndpoint());
        return out;
    }
}
