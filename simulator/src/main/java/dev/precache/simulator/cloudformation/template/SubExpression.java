package dev.precache.simulator.cloudformation.template;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** The string of Fn::Sub: {@code ${Name}}, {@code ${Resource.Attribute}}, and {@code ${!Literal}} for a literal "${Literal}". */
final class SubExpression {
  private SubExpression() {}

  static String render(String text, UnaryOperator<String> variable) {
    StringBuilder out = new StringBuilder();
    int at = 0;
    while (at < text.length()) {
      int open = text.indexOf("${", at);
      int close = open < 0 ? -1 : text.indexOf('}', open);
      if (close < 0) {
        out.append(text, at, text.length());
        break;
      }
      out.append(text, at, open);
      String name = text.substring(open + 2, close);
      out.append(name.startsWith("!") ? "${" + name.substring(1) + "}" : variable.apply(name.strip()));
      at = close + 1;
    }
    return out.toString();
  }

  static List<String> variables(String text) {
    List<String> names = new ArrayList<>();
    render(text, name -> {
      names.add(name);
      return "";
    });
    return names;
  }
}
