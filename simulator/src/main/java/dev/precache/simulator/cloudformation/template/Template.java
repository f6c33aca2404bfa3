package dev.precache.simulator.cloudformation.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** A parsed, structurally checked CloudFormation template; bind it to parameter values to evaluate it. */
public final class Template {
  private static final Map<String, String> IAM_NAME_PROPERTIES = Map.of(
      "AWS::IAM::Role", "RoleName",
      "AWS::IAM::InstanceProfile", "InstanceProfileName",
      "AWS::IAM::User", "UserName",
      "AWS::IAM::Group", "GroupName",
      "AWS::IAM::ManagedPolicy", "ManagedPolicyName");

  private final Optional<String> formatVersion;
  private final Optional<String> description;
  private final List<ParameterDeclaration> parameters;
  private final Map<String, Object> mappings;
  private final Map<String, Object> conditions;
  private final Map<String, ResourceDeclaration> resources;
  private final Map<String, OutputDeclaration> outputs;

  record ResourceDeclaration(
      String logicalId, String type, Optional<String> condition, List<String> dependsOn, Object properties) {}

  record OutputDeclaration(String name, Object value, Optional<String> condition, Optional<String> description) {}

  private Template(Map<String, Object> body) {
    formatVersion = Optional.ofNullable(body.get("AWSTemplateFormatVersion")).map(String::valueOf);
    description = Optional.ofNullable(body.get("Description")).map(String::valueOf);
    parameters = section(body, "Parameters").entrySet().stream()
        .map(entry -> parameter(entry.getKey(), entry.getValue()))
        .toList();
    mappings = section(body, "Mappings");
    conditions = section(body, "Conditions");
    resources = new LinkedHashMap<>();
    section(body, "Resources").forEach((logicalId, declaration) -> resources.put(logicalId, resource(logicalId, declaration)));
    if (resources.isEmpty()) {
      throw new TemplateException("Template format error: At least one Resources member must be defined.");
    }
    outputs = new LinkedHashMap<>();
    section(body, "Outputs").forEach((name, declaration) -> outputs.put(name, output(name, declaration)));
    checkReferences();
  }

  public static Template parse(String body) {
    return new Template(TemplateReader.read(body));
  }

  public List<ParameterDeclaration> parameters() {
    return parameters;
  }

  public Optional<String> description() {
    return description;
  }

  public Optional<String> formatVersion() {
    return formatVersion;
  }

  /** The resource types the template declares, each once, in template order. */
  public List<String> resourceTypes() {
    return resources.values().stream().map(ResourceDeclaration::type).distinct().toList();
  }

  /** The IAM resource types the template declares: creating them needs a capability. */
  public List<String> iamResourceTypes() {
    return resourceTypes().stream().filter(type -> type.startsWith("AWS::IAM::")).toList();
  }

  /**
   * The capability a stack of this template must be given: CAPABILITY_NAMED_IAM when an IAM resource has a
   * custom name, CAPABILITY_IAM for other IAM resources, none without IAM resources.
   */
  public Optional<String> requiredCapability() {
    boolean named = resources.values().stream().anyMatch(resource -> IAM_NAME_PROPERTIES.containsKey(resource.type())
        && resource.properties() instanceof Map<?, ?> properties
        && properties.containsKey(IAM_NAME_PROPERTIES.get(resource.type())));
    return named ? Optional.of("CAPABILITY_NAMED_IAM")
        : iamResourceTypes().isEmpty() ? Optional.empty() : Optional.of("CAPABILITY_IAM");
  }

  /**
   * Binds parameter values: applies defaults, checks constraints, resolves SSM parameter types.
   *
   * @param ssmParameterLookup Parameter Store value by name, empty when there is no such parameter
   */
  public BoundTemplate bind(Map<String, String> parameterValues, PseudoParameters pseudo,
      Function<String, Optional<String>> ssmParameterLookup) {
    return new BoundTemplate(this, ParameterBinder.bind(parameters, parameterValues, ssmParameterLookup), pseudo);
  }

  Map<String, Object> mappings() {
    return mappings;
  }

  Map<String, Object> conditions() {
    return conditions;
  }

  Map<String, ResourceDeclaration> resources() {
    return resources;
  }

  Map<String, OutputDeclaration> outputs() {
    return outputs;
  }

  private void checkReferences() {
    Set<String> known = new LinkedHashSet<>(resources.keySet());
    parameters.forEach(parameter -> known.add(parameter.name()));
    for (ResourceDeclaration resource : resources.values()) {
      Set<String> referenced = References.in(resource.properties());
      referenced.addAll(resource.dependsOn());
      requireKnown(referenced, known, "Resources");
      resource.condition().ifPresent(this::requireCondition);
    }
    for (OutputDeclaration output : outputs.values()) {
      requireKnown(References.in(output.value()), known, "Outputs");
      output.condition().ifPresent(this::requireCondition);
    }
  }

  private static void requireKnown(Set<String> referenced, Set<String> known, String block) {
    List<String> unresolved = referenced.stream()
        .filter(name -> !known.contains(name) && !PseudoParameters.isPseudo(name))
        .toList();
    if (!unresolved.isEmpty()) {
      throw new TemplateException("Template format error: Unresolved resource dependencies " + unresolved
          + " in the " + block + " block of the template");
    }
  }

  private void requireCondition(String name) {
    if (!conditions.containsKey(name)) {
      throw new TemplateException("Template format error: Unresolved dependencies [" + name + "]. "
          + "Cannot reference resources in the Conditions block of the template");
    }
  }

  private static ParameterDeclaration parameter(String name, Object declaration) {
    Map<String, Object> fields = object(declaration, "Parameters/" + name);
    String type = optionalText(fields, "Type")
        .orElseThrow(() -> new TemplateException("Template format error: Every Parameters object must contain a Type member."));
    if (!ParameterDeclaration.isSupportedType(type)) {
      throw new TemplateException("Template format error: Unrecognized parameter type: " + type);
    }
    List<String> allowedValues = new ArrayList<>();
    if (fields.get("AllowedValues") instanceof List<?> values) {
      values.forEach(value -> allowedValues.add(Evaluator.string(value, "AllowedValues")));
    }
    return new ParameterDeclaration(
        name,
        type,
        optionalText(fields, "Default"),
        List.copyOf(allowedValues),
        optionalText(fields, "Description"),
        optionalText(fields, "NoEcho").map(Boolean::parseBoolean).orElse(false),
        new ParameterDeclaration.Constraints(
            optionalText(fields, "AllowedPattern").orElse(null),
            optionalText(fields, "MinValue").map(Double::valueOf).orElse(null),
            optionalText(fields, "MaxValue").map(Double::valueOf).orElse(null),
            optionalText(fields, "MinLength").map(Integer::valueOf).orElse(null),
            optionalText(fields, "MaxLength").map(Integer::valueOf).orElse(null),
            optionalText(fields, "ConstraintDescription").orElse(null)));
  }

  private static ResourceDeclaration resource(String logicalId, Object declaration) {
    Map<String, Object> fields = object(declaration, "Resources/" + logicalId);
    String type = optionalText(fields, "Type").orElseThrow(() -> new TemplateException(
        "Template format error: [/Resources/" + logicalId + "] Every Resources object must contain a Type member."));
    Object dependsOnField = fields.get("DependsOn");
    List<String> dependsOn;
    if (dependsOnField == null) {
      dependsOn = List.of();
    } else if (dependsOnField instanceof List<?> many) {
      dependsOn = many.stream().map(String::valueOf).toList();
    } else {
      dependsOn = List.of(Evaluator.string(dependsOnField, "DependsOn"));
    }
    return new ResourceDeclaration(logicalId, type, optionalText(fields, "Condition"), dependsOn,
        fields.getOrDefault("Properties", Map.of()));
  }

  private static OutputDeclaration output(String name, Object declaration) {
    Map<String, Object> fields = object(declaration, "Outputs/" + name);
    if (!fields.containsKey("Value")) {
      throw new TemplateException("Template format error: Every Outputs member must contain a Value object");
    }
    return new OutputDeclaration(name, fields.get("Value"), optionalText(fields, "Condition"),
        optionalText(fields, "Description"));
  }

  private static Map<String, Object> section(Map<String, Object> body, String name) {
    Object section = body.get(name);
    return section == null ? Map.of() : object(section, name);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Object value, String where) {
    if (value instanceof Map<?, ?>) {
      return (Map<String, Object>) value;
    }
    throw new TemplateException("Template format error: " + where + " must be an object");
  }

  private static Optional<String> optionalText(Map<String, Object> fields, String key) {
    return Optional.ofNullable(fields.get(key)).map(value -> Evaluator.string(value, key));
  }
}
