package dev.precache.starter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.precache.workflows.BuildPlan;
import dev.precache.workflows.BuildPlan.PlannedImage;
import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildRequestValidator;
import dev.precache.workflows.BuildTimeModel.Phase;
import dev.precache.workflows.InvalidRequestException;
import dev.precache.workflows.PlanWorkflow;
import dev.precache.workflows.RestoreTimeModel;
import dev.precache.workflows.SnapshotBuildWorkflow;
import dev.precache.workflows.VolumePerformance;
import dev.precache.workflows.VolumeSizing;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code precache plan IMAGES [build flags]}: what a build with these flags would do, launching nothing. The worker
 * resolves the images (it has the registry and AWS credentials; the CLI has neither) in a short
 * {@link PlanWorkflow}.
 */
@Command(name = "plan", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Show what a build would pull, the volume size it would use, whether it is up to date, and how "
        + "long it would take; launches nothing.")
final class PlanCommand implements Callable<Integer> {
  /** Resolving is seconds; a plan nobody picks up (no worker) gives up after this. */
  private static final Duration PLAN_TIMEOUT = Duration.ofMinutes(5);

  enum Output { table, json }

  @ParentCommand
  private PrecacheCli cli;

  @Spec
  private CommandLine.Model.CommandSpec spec;

  @Mixin
  BuildOptions options;

  @Option(names = "--output", paramLabel = "table|json", defaultValue = "table",
      description = "table (default) or json.")
  Output output;

  @Parameters(arity = "1..*", split = ",", paramLabel = "IMAGES", description = "Images, comma-separated.")
  List<String> images;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    BuildRequest flags = null;
    BuildRequest request;
    try {
      flags = options.toRequest(images);
      request = BuildRequestValidator.normalizeToStart(flags);
    } catch (InvalidRequestException e) {
      return BuildOptions.invalid(e, flags).report(err);
    }
    BuildPlan plan;
    try (TemporalConnection connection = cli.connect()) {
      PlanWorkflow workflow = connection.client().newWorkflowStub(PlanWorkflow.class, WorkflowOptions.newBuilder()
          .setTaskQueue(SnapshotBuildWorkflow.TASK_QUEUE)
          .setWorkflowId("precache-plan-" + request.name() + "-" + UUID.randomUUID())
          .setWorkflowExecutionTimeout(PLAN_TIMEOUT)
          .setStaticSummary("precache plan " + request.name() + ": " + request.images().size() + " images")
          .build());
      plan = workflow.plan(request);
    } catch (WorkflowFailedException e) {
      return CliError.failed("plan failed", BuildWatcher.causeOf(e), null).report(err);
    }
    if (output == Output.json) {
      out.println(json(plan));
    } else {
      table(plan, out);
    }
    out.flush();
    if (plan.volumeTooSmall()) {
      return CliError.usage("invalid --snapshot-size", plan.volumeSizeGiB() + " GiB cannot hold the images: needs at "
          + "least " + plan.sizing().requiredGiB() + " GiB", null).report(err);
    }
    return CommandLine.ExitCode.OK;
  }

  static void table(BuildPlan plan, PrintWriter out) {
    TextTable table = new TextTable(List.of("IMAGE", "PLATFORM", "DIGEST", "COMPRESSED", "LAYERS", "SHARED"));
    for (PlannedImage image : plan.images()) {
      table.add(List.of(image.image(), image.platform(), shortDigest(image.digest()),
          VolumeSizing.human(image.compressedBytes()), String.valueOf(image.layers()),
          String.valueOf(image.sharedLayers())));
    }
    table.print(out);
    VolumeSizing sizing = plan.sizing();
    out.println();
    out.println("Distinct compressed: " + VolumeSizing.human(sizing.compressedBytes()) + " (shared layers once)");
    out.println("Volume: " + plan.volumeSizeGiB() + " GiB" + (plan.request().volumeSizeGiB() != null
        && plan.volumeSizeGiB() != sizing.recommendedGiB() ? " (-s)" : "") + "; needs at least "
        + sizing.requiredGiB() + " GiB, " + sizing.recommendedGiB() + " GiB keeps a node under kubelet's 85% "
        + "image-GC threshold");
    out.println("  estimated use " + VolumeSizing.human(sizing.estimatedBytes()) + " = " + sizing.basis());
    if (plan.volumePerformance() != null) {
      out.println("  provisioned " + plan.volumePerformance().summary(plan.volumeSizeGiB()));
    }
    if (plan.instanceWarning() != null) {
      out.println("warning: " + plan.instanceWarning());
    }
    out.println("Up to date: " + (plan.upToDate()
        ? "yes, " + plan.previousSnapshot() + " already holds these digests: a build would launch nothing"
        : plan.previousSnapshot() == null ? "no, no snapshot of build '" + plan.request().name() + "' yet"
        : "no, the newest snapshot " + plan.previousSnapshot() + " holds other content"
            + (plan.request().force() ? " or --force" : "")));
    out.println("Estimated build: " + human(plan.estimate().total()) + (plan.upToDate() ? " (if forced)" : ""));
    for (Phase phase : plan.estimate().phases()) {
      out.printf(Locale.ROOT, "  %-9s %8s  %s%n", phase.name(), human(phase.duration()), phase.why());
    }
    if (plan.restore() != null) {
      out.println("Restore: a new node reads every image " + plan.restore().summary());
      for (RestoreTimeModel.Estimate option : plan.restoreAlternatives()) {
        out.printf(Locale.ROOT, "  %-13s %8s  %s%n", label(option), human(option.untilReadable()), cost(option));
      }
    }
  }

  /** {@code lazy}, {@code rate 300}, {@code fast restore}: the flag that picks it is in the summary line. */
  private static String label(RestoreTimeModel.Estimate option) {
    return switch (option.method()) {
      case LAZY -> "lazy";
      case RATE -> "rate " + option.rateMiBps();
      case FAST_RESTORE -> "fast restore";
    };
  }

  private static String cost(RestoreTimeModel.Estimate option) {
    return switch (option.method()) {
      case LAZY -> "no extra cost; blocks fetched on first read";
      case RATE -> "--volume-initialization-rate " + option.rateMiBps() + ": billed per GiB of snapshot data per volume";
      case FAST_RESTORE -> String.format(Locale.ROOT, "--fast-restore %s: $%.2f per hour (about $%.0f per month) "
          + "while enabled; enabling takes %s", String.join(",", option.zones()),
          option.dollarsPerMonth() / 730, option.dollarsPerMonth(), human(option.enableTime()));
    };
  }

  static String json(BuildPlan plan) throws Exception {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = mapper.createObjectNode();
    root.put("name", plan.request().name()).put("region", plan.request().region());
    ArrayNode images = root.putArray("images");
    for (PlannedImage image : plan.images()) {
      images.addObject().put("image", image.image()).put("platform", image.platform()).put("digest", image.digest())
          .put("manifestDigest", image.manifestDigest()).put("compressedBytes", image.compressedBytes())
          .put("layers", image.layers()).put("sharedLayers", image.sharedLayers());
    }
    VolumeSizing sizing = plan.sizing();
    root.putObject("volume").put("sizeGiB", plan.volumeSizeGiB()).put("requiredGiB", sizing.requiredGiB())
        .put("recommendedGiB", sizing.recommendedGiB()).put("tooSmall", plan.volumeTooSmall())
        .put("compressedBytes", sizing.compressedBytes()).put("estimatedBytes", sizing.estimatedBytes())
        .put("basis", sizing.basis());
    VolumePerformance performance = plan.volumePerformance();
    if (performance != null) {
      ((ObjectNode) root.get("volume")).put("throughputMiBps", performance.throughputMiBps())
          .put("iops", performance.iops()).put("performanceRequested", performance.requested())
          .put("demandMiBps", Math.round(performance.demandMiBps()))
          .put("buildCostDollars", Math.round(performance.buildCostDollars() * 10_000) / 10_000.0)
          .put("performance", performance.summary(plan.volumeSizeGiB()));
    }
    ArrayNode warnings = root.putArray("warnings");
    if (plan.instanceWarning() != null) {
      warnings.add(plan.instanceWarning());
    }
    root.put("upToDate", plan.upToDate()).put("previousSnapshot", plan.previousSnapshot());
    ObjectNode estimate = root.putObject("estimate");
    estimate.put("totalSeconds", plan.estimate().total().toSeconds());
    ArrayNode phases = estimate.putArray("phases");
    for (Phase phase : plan.estimate().phases()) {
      phases.addObject().put("name", phase.name()).put("seconds", phase.duration().toSeconds()).put("why", phase.why());
    }
    if (plan.restore() != null) {
      ObjectNode restore = root.putObject("restore");
      restore.set("chosen", restoreJson(mapper, plan.restore()));
      ArrayNode alternatives = restore.putArray("alternatives");
      plan.restoreAlternatives().forEach(option -> alternatives.add(restoreJson(mapper, option)));
    } else {
      root.putNull("restore");
    }
    return mapper.writeValueAsString(root);
  }

  private static ObjectNode restoreJson(ObjectMapper mapper, RestoreTimeModel.Estimate estimate) {
    ObjectNode node = mapper.createObjectNode();
    node.put("method", estimate.method().name().toLowerCase(Locale.ROOT).replace('_', '-'))
        .put("rateMiBps", estimate.rateMiBps());
    ArrayNode zones = node.putArray("zones");
    estimate.zones().forEach(zones::add);
    node.put("untilReadableSeconds", Math.round(estimate.untilReadable().toMillis() / 1000.0))
        .put("readMiBps", Math.round(estimate.readMiBps()))
        .put("enableSeconds", estimate.enableTime().toSeconds())
        .put("dollarsPerMonth", estimate.dollarsPerMonth())
        .put("summary", estimate.summary());
    return node;
  }

  /** {@code sha256:0123456789ab}: enough to tell digests apart in a table; JSON has them whole. */
  private static String shortDigest(String digest) {
    return digest.length() > 19 ? digest.substring(0, 19) : digest;
  }

  /** {@code 25m10s}, {@code 4h05m}. */
  private static String human(Duration duration) {
    long seconds = Math.round(duration.toMillis() / 1000.0);
    if (seconds >= 3600) {
      return seconds / 3600 + "h" + String.format(Locale.ROOT, "%02dm", seconds % 3600 / 60);
    }
    return seconds >= 60 ? seconds / 60 + "m" + String.format(Locale.ROOT, "%02ds", seconds % 60) : seconds + "s";
  }
}
