package dev.precache.simulator.cloudformation.template;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The names a template fragment refers to through Ref, Fn::GetAtt and Fn::Sub, taken branches or not. */
final class References {
  private References() {}

  static Set<String> in(Object node) {
    Set<String> names = new LinkedHashSet<>();
    collect(node, names);
    return names;
  }

  private static void collect(Object node, Set<String> names) {
    if (node instanceof List<?> list) {
      list.forEach(item -> collect(item, names));
    } else if (node instanceof Map<?, ?> map) {
      if (map.size() == 1) {
        Map.Entry<?, ?> only = map.entrySet().iterator().next();
        Object argument = only.getValue();
        switch (String.valueOf(only.getKey())) {
          case "Ref" -> {
            if (argument instanceof String name) {
              names.add(name);
              return;
            }
          }
          case "Fn::GetAtt" -> {
            collectGetAtt(argument, names);
            return;
          }
          case "Fn::Sub" -> {
            collectSub(argument, names);
            return;
          }
          default -> { }
        }
      }
      map.values().forEach(value -> collect(value, names));
    }
  }

  private static void collectGetAtt(Object argument, Set<String> names) {
    if (argument instanceof String dotted) {
      names.add(String.valueOf(TemplateReader.splitGetAtt(dotted).get(0)));
    } else if (argument instanceof List<?> list && !list.isEmpty()) {
      names.add(String.valueOf(list.get(0)));
      list.subList(1, list.size()).forEach(item -> collect(item, names));
    }
  }

  private static void collectSub(Object argument, Set<String> names) {
    Map<?, ?> variables = Map.of();
    Object text = argument;
    if (argument instanceof List<?> list && list.size() == 2) {
      text = list.get(0);
      variables = list.get(1) instanceof Map<?, ?> map ? map : Map.of();
      collect(variables, names);
    }
    if (text instanceof String string) {
      for (String variable : SubExpression.variables(string)) {
        if (!variables.containsKey(variable)) {
          names.add(variable.contains(".") && !PseudoParameters.isPseudo(variable)
              ? variable.substring(0, variable.indexOf('.'))
              : variable);
        }
      }
    }
  }
}
