package dev.precache.simulator.cloudformation.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** Gives every declared parameter its value — given, else default — and checks it as CreateStack does. */
final class ParameterBinder {

  /** A parameter's value as given (what DescribeStacks shows) and as Ref sees it (String or List of String). */
  record BoundParameter(String value, Object resolved) {}

  private ParameterBinder() {}

  static Map<String, BoundParameter> bind(List<ParameterDeclaration> declarations, Map<String, String> given,
      Function<String, Optional<String>> ssmParameterLookup) {
    List<String> unknown = given.keySet().stream()
        .filter(name -> declarations.stream().noneMatch(declaration -> declaration.name().equals(name)))
        .toList();
    if (!unknown.isEmpty()) {
      throw new TemplateException("Parameters: " + unknown + " do not exist in the template");
    }
    List<String> missing = new ArrayList<>();
    Map<String, String> values = new LinkedHashMap<>();
    for (ParameterDeclaration declaration : declarations) {
      String value = given.containsKey(declaration.name())
          ? given.get(declaration.name())
          : declaration.defaultValue().orElse(null);
      if (value == null) {
        missing.add(declaration.name());
      }
      values.put(declaration.name(), value);
    }
    if (!missing.isEmpty()) {
      throw new TemplateException("Parameters: " + missing + " must have values");
    }
    declarations.forEach(declaration -> check(declaration, values.get(declaration.name())));

    List<String> unfetchable = new ArrayList<>();
    Map<String, BoundParameter> bound = new LinkedHashMap<>();
    for (ParameterDeclaration declaration : declarations) {
      String value = values.get(declaration.name());
      String effective = value;
      if (declaration.resolvedThroughSsm()) {
        Optional<String> stored = ssmParameterLookup.apply(value);
        if (stored.isEmpty()) {
          unfetchable.add(value);
          continue;
        }
        effective = stored.get();
      }
      Object resolved = declaration.isList() ? List.of(effective.split(",", -1)) : effective;
      bound.put(declaration.name(), new BoundParameter(value, resolved));
    }
    if (!unfetchable.isEmpty()) {
      throw new TemplateException("Unable to fetch parameters " + unfetchable + " from parameter store for this account.");
    }
    return bound;
  }

  private static void check(ParameterDeclaration declaration, String value) {
    List<String> elements = declaration.isList() && !declaration.resolvedThroughSsm()
        ? List.of(value.split(",", -1))
        : List.of(value);
    for (String element : elements) {
      checkElement(declaration, element);
    }
  }

  private static void checkElement(ParameterDeclaration declaration, String value) {
    String name = declaration.name();
    ParameterDeclaration.Constraints constraints = declaration.constraints();
    if (!declaration.allowedValues().isEmpty() && !declaration.allowedValues().contains(value)) {
      throw new TemplateException("Parameter '" + name + "' must be one of AllowedValues");
    }
    if (constraints.allowedPattern() != null && !value.matches(constraints.allowedPattern())) {
      throw violation(declaration, "must match pattern " + constraints.allowedPattern());
    }
    if (constraints.minLength() != null && value.length() < constraints.minLength()) {
      throw violation(declaration, "must contain at least " + constraints.minLength() + " characters");
    }
    if (constraints.maxLength() != null && value.length() > constraints.maxLength()) {
      throw violation(declaration, "must contain at most " + constraints.maxLength() + " characters");
    }
    if (!declaration.isNumber()) {
      return;
    }
    double number;
    try {
      number = Double.parseDouble(value.strip());
    } catch (NumberFormatException e) {
      throw new TemplateException("Parameter '" + name + "' must be a number");
    }
    if (constraints.minValue() != null && number < constraints.minValue()) {
      throw violation(declaration, "must be a number not less than " + Evaluator.string(constraints.minValue(), name));
    }
    if (constraints.maxValue() != null && number > constraints.maxValue()) {
      throw violation(declaration, "must be a number not greater than " + Evaluator.string(constraints.maxValue(), name));
    }
  }

  private static TemplateException violation(ParameterDeclaration declaration, String rule) {
    String description = declaration.constraints().constraintDescription();
    return new TemplateException("Parameter '" + declaration.name() + "' "
        + (description != null ? "failed to satisfy constraint: " + description : rule));
  }
}
