package dev.precache.demo.iam;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One authorization IAM makes: an action on one resource, with the request context's condition keys (each with one
 * value or, like {@code aws:TagKeys}, several). An API call that touches several resources, as RunInstances does
 * (instance, volume, image, subnet…), is one request per resource, each with that resource's context.
 *
 * @param why what the code did, for messages (e.g. {@code ec2 DeleteSnapshot #214})
 */
public record IamRequest(String action, String resource, Map<String, List<String>> context, String why) {

  public IamRequest {
    Map<String, List<String>> keys = new LinkedHashMap<>();
    context.forEach((key, values) -> keys.put(key, List.copyOf(values)));
    context = Map.copyOf(keys);
  }

  public IamRequest(String action, String resource, String why) {
    this(action, resource, Map.of(), why);
  }

  /** The same request with one more condition key. */
  public IamRequest with(String key, String... values) {
    Map<String, List<String>> keys = new LinkedHashMap<>(context);
    keys.put(key, List.of(values));
    return new IamRequest(action, resource, keys, why);
  }

  /** The same request with {@code prefix + tag key} = tag value for every tag, e.g. {@code aws:RequestTag/}. */
  public IamRequest withTags(String prefix, Map<String, String> tags) {
    Map<String, List<String>> keys = new LinkedHashMap<>(context);
    tags.forEach((key, value) -> keys.put(prefix + key, List.of(value)));
    return new IamRequest(action, resource, keys, why);
  }

  @Override
  public String toString() {
    return why + ": " + action + " on " + resource + " " + context;
  }
}
