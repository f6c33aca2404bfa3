package dev.precache.simulator.cloudformation.template;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** Evaluates intrinsic functions and condition functions over a bound template. */
final class Evaluator {
  /** The value of Ref AWS::NoValue: the enclosing map entry or list element disappears. */
  enum NoValue { INSTANCE }

  private final Map<String, Object> parameters;
  private final PseudoParameters pseudo;
  private final Map<String, Object> mappings;
  private final Predicate<String> conditions;
  private final Set<String> activeResources;
  private final ResourceResolver resolver;

  /**
   * @param parameters resolved parameter values, String or List of String
   * @param resolver null while evaluating the Conditions section, where resources cannot be referenced
   */
  Evaluator(Map<String, Object> parameters, PseudoParameters pseudo, Map<String, Object> mappings,
      Predicate<String> conditions, Set<String> activeResources, ResourceResolver resolver) {
    this.parameters = parameters;
    this.pseudo = pseudo;
    this.mappings = mappings;
    this.conditions = conditions;
    this.activeResources = activeResources;
    this.resolver = resolver;
  }

  Object evaluate(Object node) {
    if (node instanceof List<?> list) {
      List<Object> values = new ArrayList<>();
      for (Object item : list) {
        Object value = evaluate(item);
        if (value != NoValue.INSTANCE) {
          values.add(value);
        }
      }
      return values;
    }
    if (node instanceof Map<?, ?> map) {
      if (map.size() == 1) {
        Map.Entry<?, ?> only = map.entrySet().iterator().next();
        String key = String.valueOf(only.getKey());
        if (key.equals("Ref") || key.startsWith("Fn::")) {
          return function(key, only.getValue());
        }
      }
      Map<String, Object> values = new LinkedHashMap<>();
      map.forEach((key, item) -> {
        Object value = evaluate(item);
        if (value != NoValue.INSTANCE) {
          values.put(String.valueOf(key), value);
        }
      });
      return values;
    }
    return node;
  }

  /** A condition expression: a condition name, {"Condition": name}, or Fn::Equals/Not/And/Or. */
  boolean test(Object expression) {
    if (expression instanceof String name) {
      return conditions.test(name);
    }
    if (expression instanceof Boolean value) {
      return value;
    }
    if (expression instanceof Map<?, ?> map && map.size() == 1 && map.containsKey("Condition")) {
      return conditions.test(String.valueOf(map.get("Condition")));
    }
    if (evaluate(expression) instanceof Boolean value) {
      return value;
    }
    throw new TemplateException("Template error: a condition must be a condition function or a condition name");
  }

  private Object function(String name, Object argument) {
    return switch (name) {
      case "Ref" -> ref(text(argument, name));
      case "Fn::If" -> {
        List<?> args = arguments(name, argument, 3);
        yield conditions.test(text(args.get(0), name)) ? evaluate(args.get(1)) : evaluate(args.get(2));
      }
      case "Fn::Equals" -> {
        List<?> args = arguments(name, argument, 2);
        yield comparable(evaluate(args.get(0))).equals(comparable(evaluate(args.get(1))));
      }
      case "Fn::Not" -> !test(arguments(name, argument, 1).get(0));
      case "Fn::And" -> arguments(name, argument, -1).stream().allMatch(this::test);
      case "Fn::Or" -> arguments(name, argument, -1).stream().anyMatch(this::test);
      case "Fn::Sub" -> sub(argument);
      case "Fn::GetAtt" -> getAtt(argument);
      case "Fn::Base64" -> Base64.getEncoder()
          .encodeToString(string(evaluate(argument), name).getBytes(StandardCharsets.UTF_8));
      case "Fn::Join" -> {
        List<?> args = arguments(name, argument, 2);
        String delimiter = string(evaluate(args.get(0)), name);
        yield String.join(delimiter, list(evaluate(args.get(1)), name).stream().map(v -> string(v, name)).toList());
      }
      case "Fn::Select" -> select(arguments(name, argument, 2));
      case "Fn::Split" -> {
        List<?> args = arguments(name, argument, 2);
        String delimiter = string(evaluate(args.get(0)), name);
        yield List.of(string(evaluate(args.get(1)), name).split(Pattern.quote(delimiter), -1));
      }
      case "Fn::FindInMap" -> findInMap(arguments(name, argument, 3));
      case "Fn::GetAZs" -> {
        String region = string(evaluate(argument == null ? "" : argument), name);
        String az = region.isEmpty() ? pseudo.region() : region;
        yield List.of(az + "a", az + "b", az + "c");
      }
      default -> throw new TemplateException("Template format error: Encountered unsupported function: " + name);
    };
  }

  private Object ref(String name) {
    if (name.equals("AWS::NoValue")) {
      return NoValue.INSTANCE;
    }
    if (parameters.containsKey(name)) {
      return parameters.get(name);
    }
    if (PseudoParameters.isPseudo(name)) {
      return pseudo.value(name).orElseThrow();
    }
    return resource(name).ref(name);
  }

  private String getAtt(Object argument) {
    List<?> args = argument instanceof String dotted ? TemplateReader.splitGetAtt(dotted) : arguments("Fn::GetAtt", argument, 2);
    String logicalId = text(args.get(0), "Fn::GetAtt");
    String attribute = string(evaluate(args.get(1)), "Fn::GetAtt");
    return resource(logicalId).getAtt(logicalId, attribute);
  }

  private ResourceResolver resource(String logicalId) {
    if (resolver == null) {
      throw new TemplateException("Template error: Conditions cannot refer to resource " + logicalId);
    }
    if (!activeResources.contains(logicalId)) {
      throw new TemplateException(
          "Template format error: Unresolved resource dependencies [" + logicalId + "] in the Resources block of the template");
    }
    return resolver;
  }

  private String sub(Object argument) {
    Object text = argument;
    Map<String, Object> variables = Map.of();
    if (argument instanceof List<?> list) {
      List<?> args = arguments("Fn::Sub", argument, 2);
      text = args.get(0);
      if (!(evaluate(args.get(1)) instanceof Map<?, ?> map)) {
        throw new TemplateException("Template error: the second element of Fn::Sub must be a map of variables");
      }
      variables = new LinkedHashMap<>();
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        variables.put(String.valueOf(entry.getKey()), entry.getValue());
      }
    }
    Map<String, Object> given = variables;
    return SubExpression.render(text(text, "Fn::Sub"), variable -> {
      if (given.containsKey(variable)) {
        return string(given.get(variable), "Fn::Sub");
      }
      if (variable.contains(".") && !parameters.containsKey(variable)) {
        List<Object> parts = TemplateReader.splitGetAtt(variable);
        return resource((String) parts.get(0)).getAtt((String) parts.get(0), (String) parts.get(1));
      }
      Object value = ref(variable);
      if (!(value instanceof String string)) {
        throw new TemplateException(
            "Template error: variable " + variable + " in Fn::Sub expression does not resolve to a string");
      }
      return string;
    });
  }

  private Object select(List<?> args) {
    String indexText = string(evaluate(args.get(0)), "Fn::Select");
    List<?> values = list(evaluate(args.get(1)), "Fn::Select");
    int index;
    try {
      index = Integer.parseInt(indexText);
    } catch (NumberFormatException e) {
      throw new TemplateException("Template error: Fn::Select requires a numeric index, got " + indexText);
    }
    if (index < 0 || index >= values.size()) {
      throw new TemplateException("Template error: Fn::Select cannot select nonexistent value at index " + index);
    }
    return values.get(index);
  }

  private Object findInMap(List<?> args) {
    String mapName = string(evaluate(args.get(0)), "Fn::FindInMap");
    String topKey = string(evaluate(args.get(1)), "Fn::FindInMap");
    String secondKey = string(evaluate(args.get(2)), "Fn::FindInMap");
    if (mappings.get(mapName) instanceof Map<?, ?> top
        && top.get(topKey) instanceof Map<?, ?> second
        && second.containsKey(secondKey)) {
      return second.get(secondKey);
    }
    throw new TemplateException("Template error: Unable to get mapping for " + mapName + "::" + topKey + "::" + secondKey);
  }

  private static List<?> arguments(String function, Object argument, int count) {
    if (argument instanceof List<?> list && (count < 0 || list.size() == count)) {
      return list;
    }
    String expected = count < 0 ? "a list" : "a list of " + count + " elements";
    throw new TemplateException("Template error: " + function + " requires " + expected);
  }

  /** A name written literally in the template, such as a logical ID or a condition name. */
  private static String text(Object value, String function) {
    if (value instanceof String string) {
      return string;
    }
    throw new TemplateException("Template error: " + function + " requires a string literal, got " + value);
  }

  private static List<?> list(Object value, String function) {
    if (value instanceof List<?> list) {
      return list;
    }
    throw new TemplateException("Template error: " + function + " requires a list, got " + value);
  }

  static String string(Object value, String function) {
    if (value instanceof String string) {
      return string;
    }
    if (value instanceof Double number && number == Math.rint(number) && !number.isInfinite()) {
      return Long.toString(number.longValue());
    }
    if (value instanceof Number || value instanceof Boolean) {
      return value.toString();
    }
    throw new TemplateException("Template error: " + function + " requires a string, got " + value);
  }

  /** Fn::Equals compares the string forms, as CloudFormation does ("1" equals 1). */
  private static Object comparable(Object value) {
    return value instanceof List<?> list ? list.stream().map(v -> string(v, "Fn::Equals")).toList() : string(value, "Fn::Equals");
  }
}
