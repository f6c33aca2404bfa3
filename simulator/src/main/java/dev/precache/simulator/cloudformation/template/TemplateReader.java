package dev.precache.simulator.cloudformation.template;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a YAML or JSON template body into plain maps, lists and scalars, rewriting the short-form
 * tags ({@code !Ref x}) to their long form ({@code {Ref: x}}) so the evaluator sees one shape.
 * The node graph is walked by hand because the short-form tags are not Java types.
 */
final class TemplateReader {
  private static final Set<String> SHORT_FORM_FUNCTIONS = Set.of(
      "Base64", "Cidr", "Equals", "FindInMap", "GetAtt", "GetAZs", "If", "ImportValue", "Join", "Not", "And", "Or",
      "Select", "Split", "Sub", "Transform", "Length", "ToJsonString");

  private TemplateReader() {}

  static Map<String, Object> read(String body) {
    Node root;
    try {
      root = new Yaml(new LoaderOptions()).compose(new StringReader(body));
    } catch (YAMLException e) {
      throw new TemplateException("Template format error: YAML not well-formed. " + e.getMessage());
    }
    if (!(root instanceof MappingNode)) {
      throw new TemplateException("Template format error: template must be a JSON or YAML object");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> template = (Map<String, Object>) toValue(root);
    return template;
  }

  private static Object toValue(Node node) {
    String tag = node.getTag().getValue();
    if (tag.startsWith("!")) {
      return shortForm(tag.substring(1), node);
    }
    return plain(node);
  }

  private static Object plain(Node node) {
    if (node instanceof MappingNode mapping) {
      Map<String, Object> map = new LinkedHashMap<>();
      for (NodeTuple tuple : mapping.getValue()) {
        String key = String.valueOf(plain(tuple.getKeyNode()));
        if (map.put(key, toValue(tuple.getValueNode())) != null) {
          throw new TemplateException("Template format error: duplicate key '" + key + "'");
        }
      }
      return map;
    }
    if (node instanceof SequenceNode sequence) {
      List<Object> list = new ArrayList<>();
      sequence.getValue().forEach(item -> list.add(toValue(item)));
      return list;
    }
    return scalar((ScalarNode) node);
  }

  private static Object scalar(ScalarNode node) {
    String text = node.getValue();
    Tag tag = node.getTag();
    try {
      if (tag.equals(Tag.INT) && !text.matches("[-+]?0[0-9].*")) {
        return Long.parseLong(text.replace("_", ""));
      }
      if (tag.equals(Tag.FLOAT)) {
        return Double.parseDouble(text.replace("_", ""));
      }
    } catch (NumberFormatException e) {
      return text; // hex, octal, sexagesimal and other YAML 1.1 oddities stay strings
    }
    if (tag.equals(Tag.BOOL) && (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(text);
    }
    if (tag.equals(Tag.NULL)) {
      return null;
    }
    return text; // strings, YAML 1.1 yes/no/on/off, timestamps such as 2010-09-09
  }

  private static Map<String, Object> shortForm(String function, Node node) {
    Object argument = node instanceof ScalarNode scalar ? scalar.getValue() : plain(node);
    if (function.equals("Ref") || function.equals("Condition")) {
      return Map.of(function, argument);
    }
    if (!SHORT_FORM_FUNCTIONS.contains(function)) {
      throw new TemplateException("Template format error: unknown tag !" + function);
    }
    if (function.equals("GetAtt") && argument instanceof String dotted) {
      argument = splitGetAtt(dotted);
    }
    return Map.of("Fn::" + function, argument);
  }

  /** "Resource.Attribute.With.Dots" → [Resource, Attribute.With.Dots]. */
  static List<Object> splitGetAtt(String dotted) {
    int dot = dotted.indexOf('.');
    if (dot <= 0) {
      throw new TemplateException("Template error: every Fn::GetAtt object requires two non-empty parameters");
    }
    return List.of(dotted.substring(0, dot), dotted.substring(dot + 1));
  }
}
