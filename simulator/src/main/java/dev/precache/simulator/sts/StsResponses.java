package dev.precache.simulator.sts;

import dev.precache.simulator.AwsException;
import dev.precache.simulator.protocol.QueryRequest;
import dev.precache.simulator.protocol.XmlWriter;

/** STS over the query protocol: who the (dummy) caller is. */
public final class StsResponses {
    public static final String NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

    private final String accountId;

    public StsResponses(String accountId) {
        this.accountId = accountId;
    }

    public String handle(QueryRequest request, String requestId) {
        if (!request.action().equals("GetCallerIdentity")) {
            throw new AwsException("InvalidAction", "Could not find operation " + request.action());
        }
        return new XmlWriter().root("GetCallerIdentityResponse", NAMESPACE).start("GetCallerIdentityResult")
                .element("Arn", "arn:aws:iam::" + accountId + ":user/precache-simulator")
                .element("UserId", "AIDASIMULATOR0000000")
                .element("Account", accountId).end()
                .start("ResponseMetadata").element("RequestId", requestId).end().toXml();
    }
}
