package dev.precache.simulator.instance;

import dev.precache.simulator.instance.Job.Io;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * GNU grep and cut on stdin, the options a pull script uses: {@code grep [-o] [-q] [-E] PATTERN} and
 * {@code cut -d DELIM -f LIST}. Patterns are read as Java regular expressions, which agree with POSIX for what
 * such scripts write (bracket expressions, {@code .}, {@code *}, anchors).
 */
final class TextFilters {
  private TextFilters() {}

  /** Exit 0 when a line matched, 1 when none did, 2 on a usage error, as grep. */
  static Job grep(List<String> args, Io io) {
    boolean onlyMatching = false;
    boolean quiet = false;
    String pattern = null;
    for (String arg : args) {
      if (pattern == null && arg.startsWith("-") && arg.length() > 1) {
        for (char option : arg.substring(1).toCharArray()) {
          switch (option) {
            case 'o' -> onlyMatching = true;
            case 'q' -> quiet = true;
            case 'E' -> { }
            default -> {
              return Commands.failure(io, 0, 2, "grep: invalid option -- '" + option + "'");
            }
          }
        }
      } else if (pattern == null) {
        pattern = arg;
      } else {
        return Commands.failure(io, 0, 2, "grep: the simulated grep reads stdin only, not " + arg);
      }
    }
    if (pattern == null) {
      return Commands.failure(io, 0, 2, "Usage: grep [OPTION]... PATTERNS [FILE]...");
    }
    Pattern compiled;
    try {
      compiled = Pattern.compile(pattern);
    } catch (PatternSyntaxException e) {
      return Commands.failure(io, 0, 2, "grep: " + e.getDescription());
    }
    boolean only = onlyMatching;
    boolean silent = quiet;
    return new TimedJob(io, 0, () -> {
      boolean matched = false;
      for (String line : lines(io.stdin())) {
        Matcher matcher = compiled.matcher(line);
        if (only) {
          while (matcher.find()) {
            matched = true;
            if (!silent && !matcher.group().isEmpty()) {
              io.stdout().append(matcher.group()).append('\n');
            }
          }
        } else if (matcher.find()) {
          matched = true;
          if (!silent) {
            io.stdout().append(line).append('\n');
          }
        }
      }
      return matched ? 0 : 1;
    });
  }

  /** Lines without the delimiter are printed whole, as cut does without {@code -s}. */
  static Job cut(List<String> args, Io io) {
    String delimiter = "\t";
    String fieldList = null;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      boolean takesValue = arg.startsWith("-d") || arg.startsWith("-f");
      String value = !takesValue ? null : arg.length() > 2 ? arg.substring(2) : i + 1 < args.size() ? args.get(++i) : null;
      if (arg.startsWith("-d") && value != null) {
        if (value.length() != 1) {
          return Commands.failure(io, 0, 1, "cut: the delimiter must be a single character");
        }
        delimiter = value;
      } else if (arg.startsWith("-f") && value != null) {
        fieldList = value;
      } else {
        return Commands.failure(io, 0, 1, "cut: the simulated cut takes only -d DELIM and -f LIST, not " + arg);
      }
    }
    if (fieldList == null) {
      return Commands.failure(io, 0, 1, "cut: you must specify a list of bytes, characters, or fields");
    }
    Set<Integer> fields = new LinkedHashSet<>();
    for (String field : fieldList.split(",")) {
      if (!field.matches("[1-9]\\d*")) {
        return Commands.failure(io, 0, 1, "cut: invalid field value '" + field + "'");
      }
      fields.add(Integer.parseInt(field));
    }
    String separator = delimiter;
    return new TimedJob(io, 0, () -> {
      for (String line : lines(io.stdin())) {
        if (!line.contains(separator)) {
          io.stdout().append(line).append('\n');
          continue;
        }
        String[] columns = line.split(Pattern.quote(separator), -1);
        List<String> kept = new ArrayList<>();
        for (int field = 1; field <= columns.length; field++) {
          if (fields.contains(field)) {
            kept.add(columns[field - 1]);
          }
        }
        io.stdout().append(String.join(separator, kept)).append('\n');
      }
      return 0;
    });
  }

  private static List<String> lines(String text) {
    if (text.isEmpty()) {
      return List.of();
    }
    return List.of((text.endsWith("\n") ? text.substring(0, text.length() - 1) : text).split("\n", -1));
  }
}
