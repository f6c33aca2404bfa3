package dev.precache.starter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.precache.workflows.BuildRequestValidator;
import dev.precache.workflows.SnapshotCompatibility;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
    description = "Print the Karpenter EC2NodeClass blockDeviceMappings entry for Bottlerocket's data volume "
        + "(/dev/xvdb) from a finished build's snapshot, or apply it to an EC2NodeClass on a cluster, keeping its "
        + "other devices.",
    footerHeading = "%n",
    footer = {
        "From a build: its snapshot on a volume of the snapshot's size, grown until",
        "the usage the build measured stays under kubelet's 85%% image-GC threshold;",
        "the gp3 throughput/IOPS the build's volume had (else gp3's baseline) and its",
        "encryption. Flags override each.",
        "",
        "With --apply, the worker then tags the snapshot precache:nodeclass=",
        "<context>/<class> (retention keeps it) and takes the class off the snapshot",
        "it named before. Without Temporal the class is still applied: the snapshot",
        "is then not tagged (a note, or a warning when a configured server is down).",
        "",
        "Exit codes: 0 printed or applied; 1 the build has no snapshot, or the API",
        "server refused (nothing changed); 2 bad input (nothing read or changed)."})
final class NodeClassCommand implements Callable<Integer> {
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

  @Mixin
  DataVolumeOptions volume;

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

  @Option(names = {"-r", "--region"}, paramLabel = "REGION",
      description = "With --apply --snapshot-id: the snapshot's region, where the worker tags it with the class "
          + "(default: $AWS_REGION, then $AWS_DEFAULT_REGION; a build's own region otherwise).")
  String region;

  @Override
  public Integer call() {
    checkFlags();
    PrintWriter out = spec.commandLine().getOut();
    if (applyTo != null) {
      // The kubeconfig first: a bad one is bad input, refused before the build is read.
      try (NodeClassApplier applier = NodeClassApplier.connect(kubeconfig, context)) {
        DataVolumeMapping mapping = mapping();
        warn(NodeClassCompatibility.warnings(built, applier.spec(applyTo)), spec.commandLine().getErr());
        NodeClassApplier.Applied applied = applier.apply(applyTo, mapping.toEntry());
        out.println("EC2NodeClass " + applyTo + ": " + DataVolumeMapping.DEVICE_NAME + " from " + mapping.snapshotId()
            + "; devices now " + deviceNames(applied.devices()));
        out.flush();
        markSnapshot(applier, mapping.snapshotId(), applied, out);
      }
      out.flush();
      return CommandLine.ExitCode.OK;
    }
    DataVolumeMapping mapping = mapping();
    if (nodeClassFile != null) {
      warn(NodeClassCompatibility.warnings(built, manifestOf(nodeClassFile).get("spec")), spec.commandLine().getErr());
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
    if (nodeClassFile == null) {
      note(NodeClassCompatibility.requirements(built));
    }
    return CommandLine.ExitCode.OK;
  }

  /**
   * Tags the snapshot with the class (on the worker), best-effort: the class is applied whatever happens here, so a
   * failure to connect, mark or close is one line on stderr ({@link NodeClassMarker#notMarked}), never an error.
   */
  private void markSnapshot(NodeClassApplier applier, String snapshot, NodeClassApplier.Applied applied,
      PrintWriter out) {
    NodeClassMarker marker = new NodeClassMarker(applyTo, snapshot, applier.tagValue(applyTo), out,
        spec.commandLine().getErr());
    String where = builtRegion != null ? builtRegion : region != null ? region : BuildOptions.regionFromEnvironment();
    boolean configured = cli.temporalConfigured();
    try (TemporalConnection connection = cli.connect()) {
      marker.mark(connection, where, applied);
    } catch (RuntimeException e) {
      // Without a server configured, an apply of --snapshot-id needs none: not marking is expected, a note.
      String cause = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
      marker.notMarked(!configured, cause, configured ? "re-run the apply once the server is reachable"
          : "to mark it, re-run the apply with --address / TEMPORAL_ADDRESS naming the server precache's worker uses");
    }
  }

  private void checkFlags() {
    if (workflowId == null && snapshotId == null) {
      throw CliError.usage("missing build ID or --snapshot-id", "the entry needs a snapshot", null);
    }
    if (workflowId != null && snapshotId != null) {
      throw CliError.usage("invalid --snapshot-id", "give a build ID or --snapshot-id, not both", null);
    }
    if (snapshotId != null) {
      DataVolumeOptions.checkSnapshotId(snapshotId);
    }
    volume.check();
    if (applyTo == null && (kubeconfig != null || context != null || region != null)) {
      throw CliError.usage("invalid " + (kubeconfig != null ? "--kubeconfig" : context != null ? "--context"
          : "--region"), "only with --apply", null);
    }
    if (region != null && !BuildRequestValidator.isRegion(region)) {
      throw CliError.usage("invalid --region", "must be an AWS region such as us-west-2, got '" + region + "'", null);
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

  /** The snapshot's snapshotter and variant: its build's, or for {@code --snapshot-id} Bottlerocket's default. */
  private SnapshotCompatibility built = SnapshotCompatibility.ofBuild(null);
  /** The build's region, once read. */
  private String builtRegion;

  private DataVolumeMapping mapping() {
    if (workflowId == null) {
      return volume.forSnapshot(snapshotId);
    }
    FinishedBuild build;
    try (TemporalConnection connection = cli.connect()) {
      build = FinishedBuild.read(connection, workflowId);
    }
    built = build.compatibility();
    builtRegion = build.result().region();
    return volume.forBuild(build, spec.commandLine().getErr());
  }

  /** {@code warning: …} on stderr for each way the class would not use the snapshot's images. */
  static void warn(List<String> warnings, PrintWriter err) {
    warnings.forEach(warning -> err.println("warning: " + warning));
    err.flush();
  }

  /** The blockDeviceMappings of the EC2NodeClass manifest in {@code file}; null without a file or a list. */
  private static List<?> devicesOf(Path file) {
    if (file == null) {
      return null;
    }
    Map<?, ?> manifest = manifestOf(file);
    Object devices = manifest.get("spec") instanceof Map<?, ?> specMap ? specMap.get("blockDeviceMappings") : null;
    if (devices != null && !(devices instanceof List<?>)) {
      throw CliError.usage("invalid --nodeclass-file", "spec.blockDeviceMappings of " + file + " is not a list", null);
    }
    return (List<?>) devices;
  }

  private static Map<?, ?> manifestOf(Path file) {
    Map<?, ?> manifest;
    try {
      manifest = YAML.readValue(file.toFile(), Map.class);
    } catch (IOException e) {
      throw CliError.usage("invalid --nodeclass-file", "cannot read " + file + ": " + e.getMessage(), null);
    }
    if (manifest == null || !NodeClassApplier.EC2_NODE_CLASS.getKind().equals(manifest.get("kind"))) {
      throw CliError.usage("invalid --nodeclass-file", file + " is not an EC2NodeClass manifest", null);
    }
    return manifest;
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
