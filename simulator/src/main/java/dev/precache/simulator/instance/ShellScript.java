package dev.precache.simulator.instance;

import java.util.ArrayList;
import java.util.List;

/**
 * The small shell language a Run Command script may use: words with single quotes, double quotes and
 * backslash escapes; commands joined by {@code |} into pipelines; pipelines separated by newlines or
 * {@code ;} or chained with {@code &&} and {@code ||}; {@code #} comments. No expansion of any kind.
 */
record ShellScript(List<Step> steps) {

  enum Connector { ALWAYS, IF_SUCCEEDED, IF_FAILED }

  /** A pipeline and when it runs, relative to the status of what ran before it. */
  record Step(Connector connector, List<List<String>> pipeline) {}

  static final class SyntaxError extends Exception {
    SyntaxError(String message) {
      super(message);
    }

    static SyntaxError nearToken(String token) {
      return new SyntaxError("syntax error near unexpected token `" + token + "'");
    }
  }

  private enum Operator { SEPARATOR, AND, OR, PIPE }

  static ShellScript parse(String text) throws SyntaxError {
    List<Object> tokens = tokenize(text);
    List<Step> steps = new ArrayList<>();
    Connector connector = Connector.ALWAYS;
    List<List<String>> pipeline = new ArrayList<>();
    List<String> words = new ArrayList<>();
    for (Object token : tokens) {
      if (token instanceof String word) {
        words.add(word);
        continue;
      }
      Operator operator = (Operator) token;
      if (words.isEmpty()) {
        if (operator == Operator.SEPARATOR && pipeline.isEmpty()) {
          continue; // a blank line, or "a &&" continued on the next line
        }
        throw SyntaxError.nearToken(symbol(operator));
      }
      pipeline.add(words);
      words = new ArrayList<>();
      if (operator == Operator.PIPE) {
        continue;
      }
      steps.add(new Step(connector, pipeline));
      pipeline = new ArrayList<>();
      connector = switch (operator) {
        case AND -> Connector.IF_SUCCEEDED;
        case OR -> Connector.IF_FAILED;
        default -> Connector.ALWAYS;
      };
    }
    if (!words.isEmpty()) {
      pipeline.add(words);
      steps.add(new Step(connector, pipeline));
    } else if (!pipeline.isEmpty() || connector != Connector.ALWAYS) {
      throw new SyntaxError("syntax error: unexpected end of file");
    }
    return new ShellScript(List.copyOf(steps));
  }

  private static String symbol(Operator operator) {
    return switch (operator) {
      case SEPARATOR -> ";";
      case AND -> "&&";
      case OR -> "||";
      case PIPE -> "|";
    };
  }

  /** Words (String) and operators, in order. */
  private static List<Object> tokenize(String text) throws SyntaxError {
    List<Object> tokens = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '\'') {
        int end = text.indexOf('\'', i + 1);
        if (end < 0) {
          throw new SyntaxError("unexpected EOF while looking for matching `''");
        }
        word.append(text, i + 1, end);
        inWord = true;
        i = end + 1;
      } else if (c == '"') {
        i = doubleQuoted(text, i + 1, word);
        inWord = true;
      } else if (c == '\\') {
        if (i + 1 < text.length() && text.charAt(i + 1) != '\n') {
          word.append(text.charAt(i + 1));
          inWord = true;
        }
        i += 2; // a backslash before a newline continues the line
      } else if (c == '#' && !inWord) {
        while (i < text.length() && text.charAt(i) != '\n') {
          i++;
        }
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '&' || c == '|') {
        if (inWord) {
          tokens.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
        boolean doubled = i + 1 < text.length() && text.charAt(i + 1) == c;
        if (c == '\n' || c == ';') {
          tokens.add(Operator.SEPARATOR);
        } else if (c == '&') {
          if (!doubled) {
            throw new SyntaxError("background jobs (&) are not supported");
          }
          tokens.add(Operator.AND);
          i++;
        } else if (c == '|') {
          tokens.add(doubled ? Operator.OR : Operator.PIPE);
          i += doubled ? 1 : 0;
        }
        i++;
      } else {
        word.append(c);
        inWord = true;
        i++;
      }
    }
    if (inWord) {
      tokens.add(word.toString());
    }
    return tokens;
  }

  /** Appends the double-quoted text starting at {@code from}; returns the index after the closing quote. */
  private static int doubleQuoted(String text, int from, StringBuilder word) throws SyntaxError {
    int i = from;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '"') {
        return i + 1;
      }
      if (c == '\\' && i + 1 < text.length() && "\"\\$`\n".indexOf(text.charAt(i + 1)) >= 0) {
        if (text.charAt(i + 1) != '\n') {
          word.append(text.charAt(i + 1));
        }
        i += 2;
      } else {
        word.append(c);
        i++;
      }
    }
    throw new SyntaxError("unexpected EOF while looking for matching `\"'");
  }
}
