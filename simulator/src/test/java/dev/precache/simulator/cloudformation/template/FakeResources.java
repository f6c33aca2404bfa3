package dev.precache.simulator.cloudformation.template;

/** Physical IDs and attributes made up from logical IDs, as a stack being created would report them. */
final class FakeResources implements ResourceResolver {
  @Override
  public String ref(String logicalId) {
    return logicalId.toLowerCase() + "-id";
  }

  @Override
  public String getAtt(String logicalId, String attribute) {
    return logicalId.toLowerCase() + "." + attribute;
  }
}
