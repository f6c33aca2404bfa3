package dev.precache.simulator.cloudformation.template;

import java.util.List;
import java.util.Optional;

/** One entry of the template's Parameters section. */
public record ParameterDeclaration(
    String name,
    String type,
    Optional<String> defaultValue,
    List<String> allowedValues,
    Optional<String> description,
    boolean noEcho,
    Constraints constraints) {

  /** The optional value constraints; absent bounds are null. */
  public record Constraints(
      String allowedPattern, Double minValue, Double maxValue, Integer minLength, Integer maxLength,
      String constraintDescription) {
    static final Constraints NONE = new Constraints(null, null, null, null, null, null);
  }

  private static final String SSM_VALUE_PREFIX = "AWS::SSM::Parameter::Value<";

  /** {@code AWS::SSM::Parameter::Value<...>}: the given value names a Parameter Store parameter. */
  public boolean resolvedThroughSsm() {
    return type.startsWith(SSM_VALUE_PREFIX);
  }

  /** Whether Ref yields a list of strings rather than a string. */
  public boolean isList() {
    String valueType = resolvedThroughSsm() ? type.substring(SSM_VALUE_PREFIX.length(), type.length() - 1) : type;
    return valueType.equals("CommaDelimitedList") || valueType.startsWith("List<");
  }

  boolean isNumber() {
    return type.equals("Number") || type.equals("List<Number>");
  }

  static boolean isSupportedType(String type) {
    return type.equals("String")
        || type.equals("Number")
        || type.equals("CommaDelimitedList")
        || type.equals("List<Number>")
        || type.equals("AWS::SSM::Parameter::Name")
        || type.matches("(List<)?AWS::EC2::[A-Za-z]+::(Id|Name)>?")
        || type.matches("AWS::SSM::Parameter::Value<.+>");
  }
}
