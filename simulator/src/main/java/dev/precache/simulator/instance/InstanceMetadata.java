package dev.precache.simulator.instance;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The instance metadata service (IMDSv2, HttpTokens required as the build instance's launch template sets it), for
 * what programs on the instance ask of it: a session token from {@code PUT /latest/api/token} (header
 * {@code X-aws-ec2-metadata-token-ttl-seconds}, 1–21600), then with {@code X-aws-ec2-metadata-token} the role's name
 * at {@code /latest/meta-data/iam/security-credentials/} and its temporary credentials at {@code .../<role>}, in
 * the JSON the EC2 user guide shows ("Retrieve security credentials from instance metadata"): pretty-printed,
 * {@code "Key" : "value"}. No profile: 404 there.
 */
final class InstanceMetadata {
  static final String HOST = "169.254.169.254";
  private static final String CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/";
  /** Instance role credentials last about 6 hours (EC2 user guide, "IAM roles for Amazon EC2"): rotated before. */
  private static final long CREDENTIALS_LIFETIME_MILLIS = 6 * 3_600_000L;

  /** What IMDS answered: HTTP status and body. */
  record Answer(int status, String body) {}

  private final InstanceRole role;
  private final String instanceId;
  private final Set<String> tokens = ConcurrentHashMap.newKeySet();

  InstanceMetadata(InstanceRole role, String instanceId) {
    this.role = role;
    this.instanceId = instanceId;
  }

  Answer request(String method, String path, Map<String, String> headers, long now) {
    if (path.equals("/latest/api/token")) {
      if (!method.equals("PUT")) {
        return new Answer(405, "");
      }
      String ttl = headers.get("x-aws-ec2-metadata-token-ttl-seconds");
      if (ttl == null || !ttl.matches("\\d{1,5}") || Integer.parseInt(ttl) < 1 || Integer.parseInt(ttl) > 21600) {
        return new Answer(400, "");
      }
      String token = "AQAEA" + hex("token/" + instanceId + "/" + tokens.size()).substring(0, 51);
      tokens.add(token);
      return new Answer(200, token);
    }
    if (!tokens.contains(headers.getOrDefault("x-aws-ec2-metadata-token", ""))) {
      return new Answer(401, "");
    }
    if (!method.equals("GET")) {
      return new Answer(405, "");
    }
    if (!path.startsWith(CREDENTIALS_PATH) || !role.hasCredentials()) {
      return notFound();
    }
    String name = path.substring(CREDENTIALS_PATH.length());
    if (name.isEmpty()) {
      return new Answer(200, role.roleName());
    }
    if (!name.equals(role.roleName())) {
      return notFound();
    }
    Credentials credentials = credentials();
    return new Answer(200, """
        {
          "Code" : "Success",
          "LastUpdated" : "%s",
          "Type" : "AWS-HMAC",
          "AccessKeyId" : "%s",
          "SecretAccessKey" : "%s",
          "Token" : "%s",
          "Expiration" : "%s"
        }""".formatted(Instant.ofEpochMilli(now), credentials.accessKeyId(), credentials.secretAccessKey(),
        credentials.sessionToken(), Instant.ofEpochMilli(now + CREDENTIALS_LIFETIME_MILLIS)));
  }

  /** The role's temporary credentials for this instance: the only ones a request signed as the role may carry. */
  Credentials credentials() {
    String seed = role.callerArn();
    return new Credentials("ASIA" + hex("key/" + seed).substring(0, 16).toUpperCase(),
        hex("secret/" + seed).substring(0, 40), "IQoJb3JpZ2luX2Vj" + hex("session/" + seed));
  }

  record Credentials(String accessKeyId, String secretAccessKey, String sessionToken) {}

  /** IMDS's 404 page. */
  private static Answer notFound() {
    return new Answer(404, """
        <?xml version="1.0" encoding="iso-8859-1"?>
        <!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
        \t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
        <html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
         <head>
          <title>404 - Not Found</title>
         </head>
         <body>
          <h1>404 - Not Found</h1>
         </body>
        </html>
        """);
  }

  private static String hex(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
