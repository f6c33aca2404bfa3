package dev.precache.simulator.ssm;

import java.time.Instant;

/**
 * One version of a Parameter Store parameter.
 *
 * @param keyId the KMS key a SecureString is encrypted with ({@link #DEFAULT_KEY} unless PutParameter named one);
 *              null for other types
 */
public record Parameter(String name, String type, String value, long version, Instant lastModified,
                        String description, String keyId) {
    /** The AWS managed key Parameter Store uses when PutParameter names none. */
    public static final String DEFAULT_KEY = "alias/aws/ssm";
}
