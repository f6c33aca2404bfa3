package dev.precache.simulator.instance;

import dev.precache.simulator.instance.Job.Io;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * coreutils {@code df [-B SIZE|-k] [--output=size,used,avail] PATH...} for the data volume, where Bottlerocket
 * keeps /var/lib/containerd (mounted from /local). Columns as GNU df prints them: right-aligned, one space
 * apart, each as wide as its widest cell (at least 5); the size header is "1B-blocks" for -B1, "1K-blocks" by
 * default. The file system is taken to span the volume and to hold only containerd's state: its size is the
 * volume's, used is containerd's use, avail the rest (a real ext4/xfs keeps a little for itself).
 */
final class DiskFree {
  /** An estimate: df is one statfs(2) per path, read from the file system's counters without disk I/O. */
  private static final long MILLIS = 50;
  private static final List<String> MOUNTED = List.of("/var/lib/containerd", "/local");

  private final HostSpec host;
  private final LongSupplier usedBytes;

  DiskFree(HostSpec host, LongSupplier usedBytes) {
    this.host = host;
    this.usedBytes = usedBytes;
  }

  Job create(List<String> args, Io io) {
    long blockSize = 1024;
    List<String> fields = List.of("source", "size", "used", "avail", "pcent", "target");
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.equals("-k")) {
        blockSize = 1024;
      } else if (arg.equals("-B1") || arg.equals("--block-size=1") || arg.equals("-B") && i + 1 < args.size()
          && args.get(++i).equals("1")) {
        blockSize = 1;
      } else if (arg.startsWith("--output=")) {
        fields = List.of(arg.substring("--output=".length()).split(","));
      } else if (arg.startsWith("-")) {
        return Commands.failure(io, 0, 1, "df: the simulated df supports only -B1, -k and --output=size,used,avail; not "
            + arg);
      } else {
        paths.add(arg);
      }
    }
    for (String field : fields) {
      if (!List.of("size", "used", "avail").contains(field)) {
        return Commands.failure(io, 0, 1, "df: the simulated df prints only size, used and avail, not " + field);
      }
    }
    if (paths.isEmpty()) {
      paths.add("/var/lib/containerd");
    }
    for (String path : paths) {
      if (MOUNTED.stream().noneMatch(mount -> path.equals(mount) || path.startsWith(mount + "/"))) {
        return Commands.failure(io, MILLIS, 1, "df: " + path + ": No such file or directory");
      }
    }
    long block = blockSize;
    List<String> columns = fields;
    return new TimedJob(io, MILLIS, () -> {
      io.stdout().append(table(columns, paths.size(), block));
      return 0;
    });
  }

  private String table(List<String> fields, int rows, long blockSize) {
    long size = host.dataVolume().capacityBytes();
    long used = Math.min(usedBytes.getAsLong(), size);
    List<List<String>> lines = new ArrayList<>();
    lines.add(fields.stream().map(field -> switch (field) {
      case "size" -> (blockSize == 1 ? "1B" : "1K") + "-blocks";
      case "used" -> "Used";
      default -> "Avail";
    }).toList());
    for (int row = 0; row < rows; row++) {
      lines.add(fields.stream().map(field -> switch (field) {
        case "size" -> String.valueOf(size / blockSize);
        case "used" -> String.valueOf((used + blockSize - 1) / blockSize);
        default -> String.valueOf((size - used) / blockSize);
      }).toList());
    }
    int[] widths = new int[fields.size()];
    lines.forEach(line -> {
      for (int i = 0; i < line.size(); i++) {
        widths[i] = Math.max(Math.max(widths[i], 5), line.get(i).length());
      }
    });
    StringBuilder out = new StringBuilder();
    for (List<String> line : lines) {
      for (int i = 0; i < line.size(); i++) {
        out.append(i == 0 ? "" : " ").append(" ".repeat(widths[i] - line.get(i).length())).append(line.get(i));
      }
      out.append('\n');
    }
    return out.toString();
  }
}
