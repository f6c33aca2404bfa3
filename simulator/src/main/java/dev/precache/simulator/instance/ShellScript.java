package dev.precache.simulator.instance;

import java.util.ArrayList;
import java.util.List;

/**
 * The small shell language a Run Command script may use: words with single quotes, double quotes and
 * backslash escapes; commands joined by {@code |} into pipelines; pipelines separated by newlines or
 * {@code ;} or chained with {@code &&} and {@code ||}; {@code #} comments. Of expansions only variables
 * ({@code $NAME}, {@code ${NAME}}, unquoted or in double quotes, never split into words) and, as the whole value of
 * an assignment, command substitution ({@code NAME=$(...)}): what a script needs to carry a value from one command
 * to the next without writing it anywhere. {@link ScriptJob} expands them when the step runs; here they are marked
 * in the words with the characters below, which no script text contains.
 */
record ShellScript(List<Step> steps) {

  enum Connector { ALWAYS, IF_SUCCEEDED, IF_FAILED }

  /** A variable's name is written between these two. */
  static final char VARIABLE_START = '\u0001';
  static final char VARIABLE_END = '\u0002';
  /** A command substitution's script text is written between these two. */
  static final char SUBSTITUTION_START = '\u0003';
  static final char SUBSTITUTION_END = '\u0004';

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
      } else if (c == '$') {
        i = dollar(text, i, word);
        inWord = true;
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
      if (c == '$') {
        i = dollar(text, i, word);
      } else if (c == '\\' && i + 1 < text.length() && "\"\\$`\n".indexOf(text.charAt(i + 1)) >= 0) {
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

  /**
   * Marks the expansion starting with the {@code $} at {@code at}: a variable, or a command substitution (its text up
   * to the matching parenthesis, quotes respected); a {@code $} before anything else is itself. Returns the index
   * after it.
   */
  private static int dollar(String text, int at, StringBuilder word) throws SyntaxError {
    int i = at + 1;
    if (i < text.length() && text.charAt(i) == '(') {
      int end = closingParenthesis(text, i + 1);
      word.append(SUBSTITUTION_START).append(text, i + 1, end).append(SUBSTITUTION_END);
      return end + 1;
    }
    boolean braced = i < text.length() && text.charAt(i) == '{';
    int from = braced ? i + 1 : i;
    int end = from;
    while (end < text.length() && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_')) {
      end++;
    }
    if (end == from || braced && (end >= text.length() || text.charAt(end) != '}')) {
      if (braced) {
        throw new SyntaxError("${" + text.substring(from, Math.min(end + 1, text.length())) + ": bad substitution");
      }
      word.append('$');
      return i;
    }
    word.append(VARIABLE_START).append(text, from, end).append(VARIABLE_END);
    return braced ? end + 1 : end;
  }

  private static int closingParenthesis(String text, int from) throws SyntaxError {
    int depth = 1;
    char quote = 0;
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else if (c == '\\' && quote == '"') {
          i++;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '\\') {
        i++;
      } else if (c == '(') {
        depth++;
      } else if (c == ')' && --depth == 0) {
        return i;
      }
    }
    throw new SyntaxError("unexpected EOF while looking for matching `)'");
  }
}
