package dev.precache.simulator.cloudformation.template;

import dev.precache.simulator.cloudformation.template.ParameterBinder.BoundParameter;
import dev.precache.simulator.cloudformation.template.Template.OutputDeclaration;
import dev.precache.simulator.cloudformation.template.Template.ResourceDeclaration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A template with its parameter values: conditions decided, resources ordered, values ready to evaluate. */
public final class BoundTemplate {
  private final Template template;
  private final Map<String, BoundParameter> parameters;
  private final PseudoParameters pseudo;
  private final Map<String, Boolean> conditionValues = new HashMap<>();
  private final Set<String> conditionsInProgress = new LinkedHashSet<>();
  private final Set<String> activeResources = new LinkedHashSet<>();
  private final List<String> creationOrder;

  BoundTemplate(Template template, Map<String, BoundParameter> parameters, PseudoParameters pseudo) {
    this.template = template;
    this.parameters = parameters;
    this.pseudo = pseudo;
    template.conditions().keySet().forEach(this::condition);
    template.resources().values().stream()
        .filter(resource -> resource.condition().map(this::condition).orElse(true))
        .forEach(resource -> activeResources.add(resource.logicalId()));
    creationOrder = List.copyOf(orderByDependencies());
  }

  /** Logical IDs of the resources whose Condition holds, each after everything it depends on. */
  public List<String> creationOrder() {
    return creationOrder;
  }

  /** The active resources this one refers to or depends on: when one of them changes, this one may too. */
  public Set<String> dependencies(String logicalId) {
    ResourceDeclaration resource = declaration(logicalId);
    Set<String> dependencies = References.in(resource.properties());
    dependencies.addAll(resource.dependsOn());
    dependencies.retainAll(activeResources);
    return dependencies;
  }

  public String resourceType(String logicalId) {
    return declaration(logicalId).type();
  }

  /** The resource's Properties with every intrinsic evaluated; AWS::NoValue entries are gone. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> resolveProperties(String logicalId, ResourceResolver resolver) {
    Object properties = evaluator(resolver).evaluate(declaration(logicalId).properties());
    if (properties instanceof Map<?, ?>) {
      return (Map<String, Object>) properties;
    }
    throw new TemplateException("Template format error: [/Resources/" + logicalId + "/Properties] must be an object");
  }

  /** The outputs whose Condition holds, by name; list values are joined with commas. */
  public Map<String, String> resolveOutputs(ResourceResolver resolver) {
    Evaluator evaluator = evaluator(resolver);
    Map<String, String> values = new LinkedHashMap<>();
    for (OutputDeclaration output : template.outputs().values()) {
      if (output.condition().map(this::condition).orElse(true)) {
        Object value = evaluator.evaluate(output.value());
        values.put(output.name(), value instanceof List<?> list
            ? String.join(",", list.stream().map(item -> Evaluator.string(item, "Outputs")).toList())
            : Evaluator.string(value, "Outputs"));
      }
    }
    return values;
  }

  /** Every parameter's value as given or defaulted: DescribeStacks' ParameterValue (SSM types show the name). */
  public Map<String, String> resolvedParameters() {
    Map<String, String> values = new LinkedHashMap<>();
    parameters.forEach((name, parameter) -> values.put(name, parameter.value()));
    return values;
  }

  /** The values read from Parameter Store for SSM-typed parameters: DescribeStacks' ResolvedValue. */
  public Map<String, String> ssmResolvedValues() {
    Map<String, String> values = new LinkedHashMap<>();
    template.parameters().stream()
        .filter(ParameterDeclaration::resolvedThroughSsm)
        .forEach(declaration -> {
          Object resolved = parameters.get(declaration.name()).resolved();
          values.put(declaration.name(), resolved instanceof List<?> list
              ? String.join(",", list.stream().map(String::valueOf).toList())
              : String.valueOf(resolved));
        });
    return values;
  }

  public boolean condition(String name) {
    Boolean known = conditionValues.get(name);
    if (known != null) {
      return known;
    }
    if (!template.conditions().containsKey(name)) {
      throw new TemplateException("Template format error: Unresolved condition dependency " + name);
    }
    if (!conditionsInProgress.add(name)) {
      throw new TemplateException("Template format error: Circular dependency between conditions: " + conditionsInProgress);
    }
    boolean value = evaluator(null).test(template.conditions().get(name));
    conditionsInProgress.remove(name);
    conditionValues.put(name, value);
    return value;
  }

  private Evaluator evaluator(ResourceResolver resolver) {
    Map<String, Object> values = new HashMap<>();
    parameters.forEach((name, parameter) -> values.put(name, parameter.resolved()));
    return new Evaluator(values, pseudo, template.mappings(), this::condition, activeResources, resolver);
  }

  private ResourceDeclaration declaration(String logicalId) {
    ResourceDeclaration declaration = template.resources().get(logicalId);
    if (declaration == null) {
      throw new TemplateException("Resource " + logicalId + " does not exist in the template");
    }
    return declaration;
  }

  /** Kahn's algorithm; ties keep the template's order so the result is stable. */
  private List<String> orderByDependencies() {
    Map<String, Set<String>> pending = new LinkedHashMap<>();
    for (String logicalId : activeResources) {
      pending.put(logicalId, dependencies(logicalId));
    }
    List<String> order = new ArrayList<>();
    while (!pending.isEmpty()) {
      String ready = pending.entrySet().stream()
          .filter(entry -> order.containsAll(entry.getValue()))
          .map(Map.Entry::getKey)
          .findFirst()
          .orElseThrow(() -> new TemplateException(
              "Circular dependency between resources: " + new ArrayList<>(pending.keySet())));
      order.add(ready);
      pending.remove(ready);
    }
    return order;
  }
}
