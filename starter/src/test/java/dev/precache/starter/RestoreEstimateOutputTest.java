package dev.precache.starter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.workflows.BuildPlan;
import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.BuildStep;
import dev.precache.workflows.RestoreTimeModel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code plan} and {@code build} print of how soon a node restored from the snapshot reads its images. */
class RestoreEstimateOutputTest {

  /** The instance-fit plan (four 120 GiB model images) with the request's choice and the three options. */
  private static BuildPlan plan(RestoreTimeModel.Estimate chosen) {
    BuildPlan plan = InstanceFitOutputTest.plan();
    List<RestoreTimeModel.Estimate> options = RestoreTimeModel.alternativesForRequest(plan.request(), plan.sizing(),
        plan.volumeSizeGiB(), plan.volumePerformance());
    return new BuildPlan(plan.request(), plan.images(), plan.sizing(), plan.volumeSizeGiB(), plan.volumeTooSmall(),
        plan.upToDate(), plan.previousSnapshot(), plan.estimate(), plan.volumePerformance(), plan.instanceWarning(),
        chosen, options);
  }

  private static BuildPlan lazyPlan() {
    BuildPlan plan = InstanceFitOutputTest.plan();
    return plan(RestoreTimeModel.forRequest(plan.request(), plan.sizing(), plan.volumeSizeGiB(),
        plan.volumePerformance()));
  }

  @Test
  void planTablePrintsTheChoiceAndTheThreeOptionsSideBySide() {
    StringWriter text = new StringWriter();
    PlanCommand.table(lazyPlan(), new PrintWriter(text, true));

    // 961 GiB written: lazily at 7 MiB/s 39 h, at 300 MiB/s 55 min, by FSR at the volume's 1000 MiB/s 16 min.
    assertThat(text.toString())
        .containsPattern("\nRestore: a new node reads every image lazy: every image readable 39h0\\dm after the "
            + "volume is created \\(961\\.0 GiB fetched from S3 on first read at ~7 MiB/s\\); no extra cost\n")
        .containsPattern("\n  lazy +39h0\\dm  no extra cost; blocks fetched on first read\n")
        .containsPattern("\n  rate 300 +54m4\\ds  --volume-initialization-rate 300: billed per GiB of snapshot data "
            + "per volume\n")
        .containsPattern("\n  fast restore +16m2\\ds  --fast-restore us-west-2a: \\$0\\.75 per hour \\(about \\$548 per "
            + "month\\) while enabled; enabling takes \\dh\\d\\dm\n");
  }

  @Test
  void planJsonCarriesTheChoiceAndTheOptions() throws Exception {
    JsonNode restore = new ObjectMapper().readTree(PlanCommand.json(lazyPlan())).path("restore");

    assertThat(restore.path("chosen").path("method").asText()).isEqualTo("lazy");
    assertThat(restore.path("alternatives").findValuesAsText("method"))
        .containsExactly("lazy", "rate", "fast-restore");
    JsonNode fast = restore.path("alternatives").get(2);
    assertThat(fast.path("zones").get(0).asText()).isEqualTo("us-west-2a");
    assertThat(fast.path("dollarsPerMonth").asDouble()).isEqualTo(547.5);
    assertThat(fast.path("untilReadableSeconds").asLong()).isBetween(960L, 990L);
    assertThat(restore.path("alternatives").get(1).path("dollarsPerMonth").isNull()).isTrue();
  }

  @Test
  void buildPrintsTheChosenRestoreUnderTheSize() {
    BuildPlan plan = lazyPlan();
    StringWriter text = new StringWriter();
    ProgressPrinter printer = new ProgressPrinter(new PrintWriter(text, true), false);
    printer.show(new BuildProgress(BuildStep.DEPLOY_STACK, List.of(), null, "stack", null, null, null, false,
        plan.volumeSizeGiB(), plan.sizing(), null, plan.volumePerformance(), null, plan.restore()), List.of());

    String log = text.toString();
    assertThat(log).contains("  restore: a new node reads every image " + plan.restore().summary() + "\n");
    assertThat(log.indexOf("  restore: ")).isGreaterThan(log.indexOf("  provisioned ")).isLessThan(log.indexOf("[2/9]"));
  }
}
