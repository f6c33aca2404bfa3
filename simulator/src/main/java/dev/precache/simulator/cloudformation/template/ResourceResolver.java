package dev.precache.simulator.cloudformation.template;

/** Answers Ref and Fn::GetAtt for resources the stack has already created. */
public interface ResourceResolver {
  String ref(String logicalId);

  String getAtt(String logicalId, String attribute);
}
