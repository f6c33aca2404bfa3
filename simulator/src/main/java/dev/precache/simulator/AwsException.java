package dev.precache.simulator;

/** An AWS error as the caller sees it: a code, a message and the HTTP status it travels with. */
public class AwsException extends RuntimeException {
    private final String code;
    private final int httpStatus;

    public AwsException(String code, String message) {
        this(code, message, statusOf(code));
    }

    public AwsException(String code, String message, int httpStatus) {
        super(message);
        this.code = code;
        this.httpStatus = httpStatus;
    }

    public String code() {
        return code;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** Whether the fault lies with the caller ("Sender") or the service ("Receiver"). */
    public boolean senderFault() {
        return httpStatus < 500;
    }

    private static int statusOf(String code) {
        return switch (code) {
            case "InternalError", "InternalFailure", "InternalServerError" -> 500;
            case "RequestLimitExceeded", "ServiceUnavailable", "Unavailable" -> 503;
            default -> 400;
        };
    }
}
