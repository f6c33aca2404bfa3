package dev.precache.simulator.instance;

/**
 * The AWS APIs an instance's own programs reach over HTTPS (curl in the admin container), answered by the region's
 * service models as the instance role: status and body as the service's wire format writes them.
 */
public interface InstanceAwsCalls {

  record Answer(int status, String body) {}

  /**
   * A signed JSON 1.1 call ({@code X-Amz-Target}) to {@code service} in {@code region}, made with the role's
   * credentials (the caller checked the signature's credentials are the role's).
   */
  Answer call(String service, String region, String target, String body, InstanceRole caller, long nowSimMillis);

  static InstanceAwsCalls unreachable() {
    return (service, region, target, body, caller, now) -> new Answer(503,
        "{\"__type\":\"ServiceUnavailable\",\"message\":\"no " + service + " endpoint is simulated for instances\"}");
  }
}
