package dev.precache.simulator.ssm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.simulator.AwsException;
import dev.precache.simulator.RegionContext;
import dev.precache.simulator.instance.InstanceAwsCalls.Answer;
import dev.precache.simulator.instance.InstanceRole;
import dev.precache.simulator.protocol.ErrorReplies;
import dev.precache.simulator.protocol.Reply;
import java.io.IOException;

/**
 * SSM as a build instance's own programs call it with the instance role's credentials: IAM says whether the role may
 * read a parameter, then the answer is {@link SsmResponses}'s JSON 1.1. Only the read a pull needs: GetParameter.
 * Decrypting a SecureString under {@link Parameter#DEFAULT_KEY} needs no IAM grant of kms:Decrypt: the AWS managed
 * key's policy lets every principal of the account use it through SSM (AWS KMS developer guide, "How AWS Systems
 * Manager Parameter Store uses AWS KMS"); other keys are not simulated.
 */
public final class SsmForInstances {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SsmModel model;
    private final RegionContext context;

    public SsmForInstances(SsmModel model, RegionContext context) {
        this.model = model;
        this.context = context;
    }

    public Answer call(String target, String body, InstanceRole caller, long now) {
        try {
            if (!target.equals("AmazonSSM.GetParameter")) {
                throw new AwsException("UnknownOperationException", "instances of the simulator call only GetParameter");
            }
            JsonNode request = body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
            String name = request.path("Name").asText();
            String arn = "arn:aws:ssm:" + context.region() + ":" + context.accountId() + ":parameter/"
                    + name.replaceFirst("^/", "");
            if (!caller.allows("ssm:GetParameter", arn)) {
                throw new AwsException("AccessDeniedException", "User: " + caller.callerArn() + " is not authorized to "
                        + "perform: ssm:GetParameter on resource: " + arn + " because no identity-based policy allows "
                        + "the ssm:GetParameter action");
            }
            Parameter parameter = model.parameter(name);
            if (request.path("WithDecryption").asBoolean() && parameter.keyId() != null
                    && !parameter.keyId().equals(Parameter.DEFAULT_KEY)) {
                throw new AwsException("AccessDeniedException", "the simulator decrypts only with "
                        + Parameter.DEFAULT_KEY + ", not " + parameter.keyId());
            }
            return new Answer(200, new SsmResponses(model, context.region(), context.accountId())
                    .handle("GetParameter", request, now).toString());
        } catch (AwsException e) {
            Reply reply = ErrorReplies.json(e);
            return new Answer(reply.status(), reply.body());
        } catch (IOException e) {
            Reply reply = ErrorReplies.json(new AwsException("SerializationException", e.getMessage()));
            return new Answer(reply.status(), reply.body());
        }
    }
}
