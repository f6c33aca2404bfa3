package dev.precache.simulator.instance;

import java.util.ArrayList;
import java.util.List;

/**
 * Go's text/tabwriter as ctr configures it ({@code NewWriter(out, 1, 8, 1, pad, 0)}): cells are tab-terminated,
 * a column is a run of consecutive lines that have a cell in it, each cell padded to the column's widest cell
 * plus one; text after a line's last tab belongs to no column and is not padded. With '\t' as the pad
 * character, cells are padded with tabs to the next multiple of 8 (ctr content ls).
 */
final class TabWriter {
  private static final int MIN_WIDTH = 1;
  private static final int TAB_WIDTH = 8;
  private static final int PADDING = 1;

  private final char padChar;
  private final List<String[]> lines = new ArrayList<>();
  private final List<Integer> widths = new ArrayList<>();
  private final StringBuilder out = new StringBuilder();

  TabWriter(char padChar) {
    this.padChar = padChar;
  }

  /** Adds one line, given as ctr's format string would print it: cells separated by tabs, no newline. */
  TabWriter line(String text) {
    lines.add(text.split("\t", -1));
    return this;
  }

  String flush() {
    format(0, lines.size());
    return out.toString();
  }

  private void format(int line0, int line1) {
    int column = widths.size();
    for (int current = line0; current < line1; current++) {
      if (column >= lines.get(current).length - 1) {
        continue;
      }
      write(line0, current);
      line0 = current;
      int width = MIN_WIDTH;
      for (; current < line1; current++) {
        String[] cells = lines.get(current);
        if (column >= cells.length - 1) {
          break;
        }
        width = Math.max(width, cells[column].length() + PADDING);
      }
      widths.add(width);
      format(line0, current);
      widths.remove(widths.size() - 1);
      line0 = current;
    }
    write(line0, line1);
  }

  private void write(int line0, int line1) {
    for (int i = line0; i < line1; i++) {
      String[] cells = lines.get(i);
      for (int j = 0; j < cells.length; j++) {
        out.append(cells[j]);
        if (j < widths.size()) {
          pad(cells[j].length(), widths.get(j));
        }
      }
      out.append('\n');
    }
  }

  private void pad(int textWidth, int cellWidth) {
    if (padChar == '\t') {
      int rounded = (cellWidth + TAB_WIDTH - 1) / TAB_WIDTH * TAB_WIDTH;
      out.append("\t".repeat((rounded - textWidth + TAB_WIDTH - 1) / TAB_WIDTH));
    } else {
      out.append(String.valueOf(padChar).repeat(cellWidth - textWidth));
    }
  }
}
