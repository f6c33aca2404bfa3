package dev.precache.demo.iam;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An identity-based IAM policy and its evaluation for one principal with no other policies, as the IAM User Guide
 * ("Policy evaluation logic", "IAM JSON policy elements: Condition operators") describes it: a request is allowed
 * when an Allow statement matches it and no Deny statement does; an explicit Deny wins; otherwise it is denied by
 * default. A statement matches when its Action (or NotAction), its Resource (or NotResource) and every condition
 * match. Supported: {@code *} and {@code ?} wildcards (actions case-insensitive, resources case-sensitive) and the
 * special characters {@code ${*}}, {@code ${?}}, {@code ${$}} that stand for a literal {@code *}, {@code ?},
 * {@code $} ("IAM policy elements: Variables and tags", "Special characters"), the
 * operators String[Not]Equals[IgnoreCase], String[Not]Like, Arn[Not]Like, Arn[Not]Equals, Bool and Null, each with
 * {@code IfExists}, and the ForAllValues/ForAnyValue set qualifiers. Anything else (policy variables, numeric and
 * date operators, Principal) is refused when the policy is read, so a policy that uses it cannot pass unchecked.
 */
public final class IamPolicy {

  public enum Decision { ALLOWED, IMPLICITLY_DENIED, EXPLICITLY_DENIED }

  private record Statement(String sid, boolean allow, List<String> actions, boolean notAction, List<String> resources,
                           boolean notResource, List<Condition> conditions) {}

  private record Condition(String operator, String qualifier, boolean ifExists, String key, List<String> values) {}

  private static final List<String> OPERATORS = List.of("StringEquals", "StringNotEquals", "StringEqualsIgnoreCase",
      "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike", "ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike",
      "Bool", "Null");

  private final List<Statement> statements;

  private IamPolicy(List<Statement> statements) {
    this.statements = statements;
  }

  /**
   * The policies attached to one principal, evaluated together as IAM does: their statements' union (an explicit
   * Deny in one wins over an Allow in another). Sids must be unique across them, as {@link #grants()} names by Sid.
   */
  public static IamPolicy read(Path... files) throws IOException {
    List<Statement> statements = new ArrayList<>();
    for (Path file : files) {
      addStatements(new ObjectMapper().readTree(file.toFile()), statements);
    }
    return new IamPolicy(List.copyOf(statements));
  }

  public static IamPolicy parse(String json) throws IOException {
    List<Statement> statements = new ArrayList<>();
    addStatements(new ObjectMapper().readTree(json), statements);
    return new IamPolicy(List.copyOf(statements));
  }

  private static void addStatements(JsonNode policy, List<Statement> statements) {
    require(policy.path("Version").asText().equals("2012-10-17"), "Version must be 2012-10-17");
    for (JsonNode statement : list(policy.path("Statement"))) {
      String sid = statement.path("Sid").asText("#" + statements.size());
      require(!statement.has("Principal") && !statement.has("NotPrincipal"), sid + ": an identity policy has no Principal");
      String effect = statement.path("Effect").asText();
      require(effect.equals("Allow") || effect.equals("Deny"), sid + ": Effect must be Allow or Deny");
      require(statement.has("Action") != statement.has("NotAction"), sid + ": needs Action or NotAction");
      require(statement.has("Resource") != statement.has("NotResource"), sid + ": needs Resource or NotResource");
      require(statements.stream().noneMatch(s -> s.sid().equals(sid)), sid + ": Sid used twice");
      List<String> actions = strings(statement.has("Action") ? statement.get("Action") : statement.get("NotAction"));
      List<String> resources = strings(statement.has("Resource") ? statement.get("Resource") : statement.get("NotResource"));
      resources.forEach(resource -> require(!withoutSpecialCharacters(resource).contains("${"),
          sid + ": policy variables are not supported"));
      statements.add(new Statement(sid, effect.equals("Allow"), actions, statement.has("NotAction"), resources,
          statement.has("NotResource"), conditions(sid, statement.path("Condition"))));
    }
  }

  private static List<Condition> conditions(String sid, JsonNode block) {
    List<Condition> conditions = new ArrayList<>();
    block.fields().forEachRemaining(operator -> {
      String name = operator.getKey();
      String qualifier = null;
      if (name.startsWith("ForAllValues:") || name.startsWith("ForAnyValue:")) {
        qualifier = name.substring(0, name.indexOf(':'));
        name = name.substring(qualifier.length() + 1);
      }
      boolean ifExists = name.endsWith("IfExists");
      String base = ifExists ? name.substring(0, name.length() - "IfExists".length()) : name;
      require(OPERATORS.contains(base), sid + ": condition operator " + operator.getKey() + " is not supported");
      String setQualifier = qualifier;
      operator.getValue().fields().forEachRemaining(key -> {
        require(!key.getKey().contains("${"), sid + ": policy variables are not supported");
        conditions.add(new Condition(base, setQualifier, ifExists, key.getKey(), strings(key.getValue())));
      });
    });
    return List.copyOf(conditions);
  }

  public Decision evaluate(IamRequest request) {
    boolean allowed = false;
    for (Statement statement : statements) {
      if (matches(statement, request)) {
        if (!statement.allow()) {
          return Decision.EXPLICITLY_DENIED;
        }
        allowed = true;
      }
    }
    return allowed ? Decision.ALLOWED : Decision.IMPLICITLY_DENIED;
  }

  /** Each Allow statement's actions by Sid (wildcards as written): what the policy grants. */
  public Map<String, List<String>> grants() {
    Map<String, List<String>> grants = new java.util.LinkedHashMap<>();
    statements.stream().filter(s -> s.allow() && !s.notAction()).forEach(s -> grants.put(s.sid(), s.actions()));
    return grants;
  }

  /** The Sids of the Allow statements that match: which statement grants a call. */
  public List<String> allowingStatements(IamRequest request) {
    return statements.stream().filter(s -> s.allow() && matches(s, request)).map(Statement::sid).toList();
  }

  private static boolean matches(Statement statement, IamRequest request) {
    boolean action = statement.actions().stream().anyMatch(p -> wildcard(p, true).matcher(request.action()).matches());
    boolean resource = statement.resources().stream()
        .anyMatch(p -> wildcard(p, false).matcher(request.resource()).matches());
    return action != statement.notAction() && resource != statement.notResource()
        && statement.conditions().stream().allMatch(condition -> holds(condition, request));
  }

  private static boolean holds(Condition condition, IamRequest request) {
    Optional<List<String>> present = lookUp(request.context(), condition.key());
    if (condition.operator().equals("Null")) {
      // "true": the key must be absent; "false": present. IfExists makes no sense here and AWS ignores it.
      return condition.values().stream().anyMatch(v -> Boolean.parseBoolean(v) == present.isEmpty());
    }
    boolean negated = condition.operator().contains("Not");
    if (present.isEmpty() || present.get().isEmpty()) {
      // A missing key: IfExists and ForAllValues hold, negated operators hold, everything else fails.
      return condition.ifExists() || "ForAllValues".equals(condition.qualifier())
          || (negated && condition.qualifier() == null);
    }
    List<String> values = present.get();
    if ("ForAllValues".equals(condition.qualifier())) {
      return values.stream().allMatch(value -> compare(condition, value));
    }
    // ForAnyValue, and a plain operator on a key with several values: one matching value is enough.
    if (negated && condition.qualifier() == null) {
      return values.stream().allMatch(value -> compare(condition, value));
    }
    return values.stream().anyMatch(value -> compare(condition, value));
  }

  /** Whether one context value satisfies the operator against the policy's values (which are alternatives). */
  private static boolean compare(Condition condition, String value) {
    String operator = condition.operator();
    boolean negated = operator.contains("Not");
    String positive = operator.replace("Not", "");
    boolean any = condition.values().stream().anyMatch(expected -> switch (positive) {
      case "StringEquals", "ArnEquals" -> expected.equals(value);
      case "StringEqualsIgnoreCase" -> expected.equalsIgnoreCase(value);
      case "StringLike", "ArnLike" -> wildcard(expected, false).matcher(value).matches();
      case "Bool" -> expected.equalsIgnoreCase(value);
      default -> throw new IllegalStateException("unsupported " + operator);
    });
    return negated != any;
  }

  /** Condition key names are case-insensitive (aws:ResourceTag/Key alike: the key's name, not its value). */
  private static Optional<List<String>> lookUp(Map<String, List<String>> context, String key) {
    return context.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(key)).map(Map.Entry::getValue)
        .findFirst();
  }

  private static final List<String> SPECIAL_CHARACTERS = List.of("${*}", "${?}", "${$}");

  private static String withoutSpecialCharacters(String pattern) {
    String rest = pattern;
    for (String special : SPECIAL_CHARACTERS) {
      rest = rest.replace(special, "");
    }
    return rest;
  }

  private static Pattern wildcard(String pattern, boolean ignoreCase) {
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c == '$' && SPECIAL_CHARACTERS.contains(pattern.substring(i, Math.min(pattern.length(), i + 4)))) {
        // The literal character: CopySnapshot's new snapshot is authorized as snapshot/* (EC2 User Guide,
        // "Example policies for working with the AWS CLI or an AWS SDK", Copy snapshots).
        regex.append(Pattern.quote(String.valueOf(pattern.charAt(i + 2))));
        i += 3;
        continue;
      }
      switch (c) {
        case '*' -> regex.append(".*");
        case '?' -> regex.append('.');
        default -> regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.DOTALL : Pattern.DOTALL);
  }

  private static List<JsonNode> list(JsonNode node) {
    List<JsonNode> items = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(items::add);
    } else if (!node.isMissingNode()) {
      items.add(node);
    }
    return items;
  }

  private static List<String> strings(JsonNode node) {
    return list(node).stream().map(JsonNode::asText).toList();
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException("IAM policy: " + message);
    }
  }

  @Override
  public String toString() {
    return statements.size() + " statements";
  }
}
