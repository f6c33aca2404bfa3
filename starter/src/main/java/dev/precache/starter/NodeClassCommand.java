package dev.precache.starter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.precache.workflows.BuildResult;
import dev.precache.workflows.VolumeSizing;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code precache nodeclass [ID]}: the EC2NodeClass {@code blockDeviceMappings} entry for {@code /dev/xvdb} from a
 * finished build or from flags, printed, or applied to a cluster's EC2NodeClass.
 */
@Command(name = "nodeclass", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Print the Karpenter EC2NodeClass blockDeviceMappings entry for Bottlerocket's data volume (/dev/xvdb)",
        "from a finished build's snapshot, or apply it to an EC2NodeClass on a cluster (its other devices kept)."},
    footerHeading = "%n",
    footer = {
        "From a build: its snapshot on a volume of the snapshot's size, grown until the usage the build",
        "measured stays under kubelet's 85% image-GC threshold; the gp3 throughput/IOPS the build chose (else",
        "gp3's baseline) and its encryption. Flags override each. Exit codes: 0 printed or applied; 1 the build has no snapshot or",
        "the API server refused (nothing changed); 2 bad input (nothing read or changed)."})
final class NodeClassCommand implements Callable<Integer> {
  /** EC2 snapshot IDs: {@code snap-} and 8 or 17 hex digits. */
  private static final Pattern SNAPSHOT_ID = Pattern.compile("snap-(?:[0-9a-f]{8}|[0-9a-f]{17})");
  /** gp3's ranges, as the build checks them (BuildRequestValidator, FIGURES.md EBS). */
  private static final int MIN_IOPS = DataVolumeMapping.GP3_BASELINE_IOPS;
  private static final int MAX_IOPS = 16_000;
  private static final int MIN_THROUGHPUT = DataVolumeMapping.GP3_BASELINE_THROUGHPUT_MIBPS;
  private static final int MAX_THROUGHPUT = 1_000;
  /** Provisioned rate for volume initialisation: 100–300 MiB/s per volume (FIGURES.md EBS). */
  private static final int MIN_INITIALIZATION_RATE = 100;
  private static final int MAX_INITIALIZATION_RATE = 300;

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  enum Format { yaml, json, patch }

  @ParentCommand
  private PrecacheCli cli;

  @Spec
  private CommandSpec spec;

  @Parameters(paramLabel = "ID", arity = "0..1", description = "Workflow ID of a succeeded build.")
  String workflowId;

  @Option(names = "--snapshot-id", paramLabel = "SNAPSHOT", description = "The snapshot, instead of a build ID.")
  String snapshotId;

  @Option(names = "--volume-size", paramLabel = "GiB",
      description = "Volume size (default: from the build; with --snapshot-id: the snapshot's, as EC2 sizes it).")
  Integer volumeSizeGiB;

  @Option(names = "--throughput", paramLabel = "MiBps",
      description = "gp3 throughput, 125-1000 (default: the build's, else 125).")
  Integer throughputMiBps;

  @Option(names = "--iops", paramLabel = "N", description = "gp3 IOPS, 3000-16000 (default: the build's, else 3000).")
  Integer iops;

  @Option(names = "--encrypted", description = "Encrypt the volume (default: as the build's snapshot).")
  boolean encrypted;

  @Option(names = "--kms-key-id", paramLabel = "KEY", description = "KMS key for the volume; implies --encrypted.")
  String kmsKeyId;

  @Option(names = "--delete-on-termination", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Delete the volume with the node (default: ${DEFAULT-VALUE}).")
  boolean deleteOnTermination;

  @Option(names = "--initialization-rate", paramLabel = "MiBps",
      description = "Provisioned volume-initialisation rate, 100-300 MiB/s (default: none, lazy initialisation).")
  Integer initializationRate;

  @Option(names = {"-o", "--output"}, paramLabel = "yaml|json|patch",
      description = "yaml or json: the entry; patch: a JSON merge patch of the EC2NodeClass (default: yaml).")
  Format output;

  @Option(names = "--nodeclass-file", paramLabel = "FILE",
      description = "With -o patch: the EC2NodeClass manifest whose other devices the patch keeps.")
  Path nodeClassFile;

  @Option(names = "--apply", paramLabel = "NAME",
      description = "Set the entry on the cluster's EC2NodeClass NAME (server-side apply), keeping its other devices.")
  String applyTo;

  @Option(names = "--kubeconfig", paramLabel = "FILE",
      description = "With --apply (default: $KUBECONFIG, ~/.kube/config, else the in-cluster service account).")
  Path kubeconfig;

  @Option(names = "--context", paramLabel = "NAME", description = "With --apply: kubeconfig context (default: current).")
  String context;

  @Override
  public Integer call() {
    checkFlags();
    DataVolumeMapping mapping = workflowId != null ? fromBuild() : fromFlags();
    PrintWriter out = spec.commandLine().getOut();
    if (applyTo != null) {
      try (NodeClassApplier applier = NodeClassApplier.connect(kubeconfig, context)) {
        List<?> stored = applier.apply(applyTo, mapping.toEntry());
        out.println("EC2NodeClass " + applyTo + ": " + DataVolumeMapping.DEVICE_NAME + " from " + mapping.snapshotId()
            + "; devices now " + deviceNames(stored));
      }
      out.flush();
      return CommandLine.ExitCode.OK;
    }
    Format format = output == null ? Format.yaml : output;
    out.print(switch (format) {
      case yaml -> write(YAML, mapping.toEntry());
      case json -> write(JSON, mapping.toEntry()) + System.lineSeparator();
      case patch -> write(JSON, Map.of("spec", Map.of("blockDeviceMappings",
          BlockDeviceMappings.withEntry(devicesOf(nodeClassFile), mapping.toEntry())))) + System.lineSeparator();
    });
    out.flush();
    if (format == Format.patch && nodeClassFile == null) {
      note("blockDeviceMappings is an atomic list: this patch replaces the class's whole list; pass "
          + "--nodeclass-file to keep its other devices, or use --apply");
    }
    return CommandLine.ExitCode.OK;
  }

  private void checkFlags() {
    if (workflowId == null && snapshotId == null) {
      throw CliError.usage("missing build ID or --snapshot-id", "the entry needs a snapshot", null);
    }
    if (workflowId != null && snapshotId != null) {
      throw CliError.usage("invalid --snapshot-id", "give a build ID or --snapshot-id, not both", null);
    }
    if (snapshotId != null && !SNAPSHOT_ID.matcher(snapshotId).matches()) {
      throw CliError.usage("invalid --snapshot-id", "expected snap- and 8 or 17 hex digits, got " + snapshotId, null);
    }
    if (volumeSizeGiB != null) {
      requireBetween("--volume-size", volumeSizeGiB, 1, VolumeSizing.MAX_GIB, " GiB");
    }
    if (throughputMiBps != null) {
      requireBetween("--throughput", throughputMiBps, MIN_THROUGHPUT, MAX_THROUGHPUT, " MiB/s");
    }
    if (iops != null) {
      requireBetween("--iops", iops, MIN_IOPS, MAX_IOPS, " IOPS");
    }
    if (initializationRate != null) {
      requireBetween("--initialization-rate", initializationRate, MIN_INITIALIZATION_RATE, MAX_INITIALIZATION_RATE,
          " MiB/s");
    }
    if (applyTo == null && (kubeconfig != null || context != null)) {
      throw CliError.usage("invalid " + (kubeconfig != null ? "--kubeconfig" : "--context"), "only with --apply", null);
    }
    if (applyTo != null && (output != null || nodeClassFile != null)) {
      throw CliError.usage("invalid " + (output != null ? "--output" : "--nodeclass-file"),
          "--apply sets the entry on the cluster and prints the class's devices", null);
    }
    if (nodeClassFile != null && output != Format.patch) {
      throw CliError.usage("invalid --nodeclass-file", "only with -o patch", null);
    }
    if (nodeClassFile != null) {
      devicesOf(nodeClassFile); // a bad file is bad input: refuse it before reading the build
    }
  }

  private DataVolumeMapping fromBuild() {
    FinishedBuild build;
    try (TemporalConnection connection = cli.connect()) {
      build = FinishedBuild.read(connection, workflowId);
    }
    BuildResult result = build.result();
    int recommended = DataVolumeMapping.recommendedGiB(result.volumeSizeGiB(), result.volumeUsage());
    if (volumeSizeGiB != null && volumeSizeGiB < result.volumeSizeGiB()) {
      throw CliError.usage("invalid --volume-size", volumeSizeGiB + " GiB is smaller than snapshot "
          + result.snapshotId() + " (" + result.volumeSizeGiB() + " GiB)", "EC2 cannot restore a snapshot onto a "
          + "smaller volume; use at least " + recommended);
    }
    if (volumeSizeGiB == null && recommended > result.volumeSizeGiB()) {
      note(String.format("volume %d GiB, not the snapshot's %d: %s were used after the pulls, above kubelet's "
          + "%.0f%% image-GC threshold on %d GiB", recommended, result.volumeSizeGiB(),
          VolumeSizing.human(result.volumeUsage().usedBytes()), VolumeSizing.IMAGE_GC_HIGH_THRESHOLD * 100,
          result.volumeSizeGiB()));
    }
    boolean encrypt = encrypted || kmsKeyId != null || build.encrypted();
    return checked(new DataVolumeMapping(result.snapshotId(), volumeSizeGiB != null ? volumeSizeGiB : recommended,
        performance(throughputMiBps, build.throughputMiBps(), DataVolumeMapping.GP3_BASELINE_THROUGHPUT_MIBPS),
        performance(iops, build.iops(), DataVolumeMapping.GP3_BASELINE_IOPS),
        encrypt ? Boolean.TRUE : null, kmsKeyId != null ? kmsKeyId : build.kmsKeyId(),
        deleteOnTermination, initializationRate));
  }

  private DataVolumeMapping fromFlags() {
    return checked(new DataVolumeMapping(snapshotId, volumeSizeGiB,
        performance(throughputMiBps, null, DataVolumeMapping.GP3_BASELINE_THROUGHPUT_MIBPS),
        performance(iops, null, DataVolumeMapping.GP3_BASELINE_IOPS),
        encrypted || kmsKeyId != null ? Boolean.TRUE : null, kmsKeyId, deleteOnTermination, initializationRate));
  }

  /** gp3 allows at most 0.25 MiB/s per provisioned IOPS (FIGURES.md EBS). */
  private static DataVolumeMapping checked(DataVolumeMapping mapping) {
    if (mapping.throughputMiBps() * 4 > mapping.iops()) {
      throw CliError.usage("invalid --throughput", "gp3 allows at most " + mapping.iops() / 4 + " MiB/s with "
          + mapping.iops() + " IOPS, got " + mapping.throughputMiBps(), "raise --iops to at least "
          + mapping.throughputMiBps() * 4);
    }
    return mapping;
  }

  private static int performance(Integer flag, Integer build, int baseline) {
    return flag != null ? flag : build != null ? build : baseline;
  }

  private static void requireBetween(String flag, int value, int min, int max, String unit) {
    if (value < min || value > max) {
      throw CliError.usage("invalid " + flag, "expected " + min + "-" + max + unit + ", got " + value, null);
    }
  }

  /** The blockDeviceMappings of the EC2NodeClass manifest in {@code file}; null without a file or a list. */
  private static List<?> devicesOf(Path file) {
    if (file == null) {
      return null;
    }
    Map<?, ?> manifest;
    try {
      manifest = YAML.readValue(file.toFile(), Map.class);
    } catch (IOException e) {
      throw CliError.usage("invalid --nodeclass-file", "cannot read " + file + ": " + e.getMessage(), null);
    }
    if (manifest == null || !NodeClassApplier.EC2_NODE_CLASS.getKind().equals(manifest.get("kind"))) {
      throw CliError.usage("invalid --nodeclass-file", file + " is not an EC2NodeClass manifest", null);
    }
    Object devices = manifest.get("spec") instanceof Map<?, ?> specMap ? specMap.get("blockDeviceMappings") : null;
    if (devices != null && !(devices instanceof List<?>)) {
      throw CliError.usage("invalid --nodeclass-file", "spec.blockDeviceMappings of " + file + " is not a list", null);
    }
    return (List<?>) devices;
  }

  private static String deviceNames(List<?> mappings) {
    return mappings == null ? "none" : mappings.stream()
        .map(mapping -> mapping instanceof Map<?, ?> map ? String.valueOf(map.get("deviceName")) : "?")
        .collect(Collectors.joining(", "));
  }

  private void note(String message) {
    PrintWriter err = spec.commandLine().getErr();
    err.println("note: " + message);
    err.flush();
  }

  private static String write(ObjectMapper mapper, Object document) {
    try {
      return mapper.writeValueAsString(document);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + document, e);
    }
  }
}
