package dev.precache.simulator.protocol;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.simulator.AwsException;

/** Each protocol's error shape, so every SDK's error unmarshaller finds the code and message. */
public final class ErrorReplies {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ErrorReplies() {}

    /** EC2: {@code <Response><Errors><Error>…</Error></Errors><RequestID>…</RequestID></Response>}. */
    public static Reply ec2(AwsException e, String requestId) {
        String xml = new XmlWriter().start("Response").start("Errors").start("Error")
                .element("Code", e.code()).element("Message", e.getMessage()).end().end()
                .element("RequestID", requestId).toXml();
        return new Reply(e.httpStatus(), "text/xml", xml);
    }

    /** CloudFormation, STS: {@code <ErrorResponse><Error><Type>Sender</Type>…</Error><RequestId>…</RequestId>}. */
    public static Reply query(AwsException e, String namespace, String requestId) {
        String xml = new XmlWriter().root("ErrorResponse", namespace).start("Error")
                .element("Type", e.senderFault() ? "Sender" : "Receiver")
                .element("Code", e.code()).element("Message", e.getMessage()).end()
                .element("RequestId", requestId).toXml();
        return new Reply(e.httpStatus(), "text/xml", xml);
    }

    /** JSON 1.1: {@code {"__type": code, "message": text}}. */
    public static Reply json(AwsException e) {
        var body = JSON.createObjectNode().put("__type", e.code());
        if (e.getMessage() != null) {
            body.put("message", e.getMessage());
        }
        return new Reply(e.httpStatus(), "application/x-amz-json-1.1", body.toString());
    }
}
