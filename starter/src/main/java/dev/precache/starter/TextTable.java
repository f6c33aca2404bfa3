package dev.precache.starter;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Rows printed as left-aligned columns two spaces apart, each as wide as its widest cell. */
final class TextTable {
  private final List<List<String>> rows = new ArrayList<>();

  TextTable(List<String> header) {
    rows.add(header);
  }

  TextTable add(List<String> row) {
    rows.add(row);
    return this;
  }

  void print(PrintWriter out) {
    int[] widths = new int[rows.get(0).size()];
    for (List<String> row : rows) {
      for (int column = 0; column < row.size(); column++) {
        widths[column] = Math.max(widths[column], row.get(column).length());
      }
    }
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int column = 0; column < row.size(); column++) {
        line.append(column == row.size() - 1 ? row.get(column) : String.format("%-" + (widths[column] + 2) + "s", row.get(column)));
      }
      out.println(line.toString().stripTrailing());
    }
    out.flush();
  }
}
