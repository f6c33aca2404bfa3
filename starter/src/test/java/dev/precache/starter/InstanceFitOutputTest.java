package dev.precache.starter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.precache.workflows.BuildPlan;
import dev.precache.workflows.BuildProgress;
import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildRequestValidator;
import dev.precache.workflows.BuildStep;
import dev.precache.workflows.BuildTimeModel;
import dev.precache.workflows.InstanceCapacity;
import dev.precache.workflows.InstanceFit;
import dev.precache.workflows.ResolvedImage;
import dev.precache.workflows.ResolvedLayer;
import dev.precache.workflows.VolumePerformance;
import dev.precache.workflows.VolumeSizing;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.OptionalDouble;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** What {@code plan} and {@code build} print of the volume's chosen performance and of an instance that falls short. */
class InstanceFitOutputTest {
  private static final long GIB = VolumeSizing.GIB;
  private static final InstanceCapacity M5_LARGE = new InstanceCapacity("m5.large", 2, 0.75, 10);
  private static final InstanceCapacity.Family M5 = new InstanceCapacity.Family(M5_LARGE, List.of(M5_LARGE,
      new InstanceCapacity("m5.2xlarge", 8, 2.5, 10), new InstanceCapacity("m5.4xlarge", 16, 5, 10)));

  /** Four 120 GiB model images on an m5.large: longer than its burst; its 2 cores keep the writes under 1,000 MiB/s. */
  static BuildPlan plan() {
    List<String> names = IntStream.range(0, 4).mapToObj(i -> "quay.io/ai/modelcar-catalog:m" + i).toList();
    List<ResolvedImage> images = names.stream().map(name -> new ResolvedImage(name, "linux/amd64", "sha256:d" + name,
        "sha256:m" + name, "sha256:c" + name, 1_000, List.of(new ResolvedLayer("sha256:w" + name,
            "application/vnd.oci.image.layer.v1.tar+gzip", 120 * GIB)))).toList();
    BuildRequest request = BuildRequestValidator.normalize(BuildRequest.of("us-west-2", names));
    VolumeSizing sizing = VolumeSizing.of(images, OptionalDouble.empty());
    int size = sizing.recommendedGiB();
    VolumePerformance chosen = VolumePerformance.choose(request, M5_LARGE, sizing, images.size(), size);
    BuildRequest fitted = request.withVolumeSizeGiB(size).withVolumePerformance(chosen.throughputMiBps(), chosen.iops());
    BuildTimeModel.Estimate estimate = BuildTimeModel.estimate(fitted, M5_LARGE, images, sizing.estimatedBytes(), size);
    return new BuildPlan(fitted, BuildPlan.planned(images), sizing, size, false, false, null, estimate,
        chosen.costedFor(estimate.total()), InstanceFit.warning(request, M5, sizing, images.size()));
  }

  @Test
  void planTableSaysWhatWasProvisionedAndWarns() {
    StringWriter text = new StringWriter();
    PlanCommand.table(plan(), new PrintWriter(text, true));

    assertThat(text.toString())
        .containsPattern("\n  provisioned \\d+ GiB gp3, 1000 MiB/s, 4000 IOPS \\(chosen for 961\\.0 GiB of writes on"
            + " m5\\.large, which could write \\d+ MiB/s; about \\$\\d+\\.\\d\\d for this build\\)\n")
        .contains("\nwarning: m5.large sustains 0.75 Gbit/s (bursts to 10 Gbit/s for a few minutes); the pulls could"
            + " use 4.8 Gbit/s, so once its burst credits run out they will be bound by its network; m5.4xlarge"
            + " sustains 5 Gbit/s\n");
  }

  @Test
  void planJsonCarriesTheFiguresAndTheWarning() throws Exception {
    JsonNode json = new ObjectMapper().readTree(PlanCommand.json(plan()));

    assertThat(json.path("volume").path("throughputMiBps").asInt()).isEqualTo(1000);
    assertThat(json.path("volume").path("iops").asInt()).isEqualTo(4000);
    assertThat(json.path("volume").path("performanceRequested").asBoolean()).isFalse();
    assertThat(json.path("volume").path("buildCostDollars").asDouble()).isPositive();
    assertThat(json.path("warnings")).hasSize(1);
    assertThat(json.path("warnings").get(0).asText()).startsWith("m5.large sustains 0.75 Gbit/s");
  }

  @Test
  void buildLogPrintsTheChoiceAndTheWarningUnderTheSizeOnce() {
    BuildPlan plan = plan();
    StringWriter text = new StringWriter();
    ProgressPrinter printer = new ProgressPrinter(new PrintWriter(text, true), false);
    BuildProgress progress = new BuildProgress(BuildStep.DEPLOY_STACK, List.of(), null, "stack", null, null, null,
        false, plan.volumeSizeGiB(), plan.sizing(), null, plan.volumePerformance(), plan.instanceWarning());

    printer.show(progress, List.of());
    printer.show(progress, List.of());

    String log = text.toString();
    assertThat(log).contains("  provisioned " + plan.volumePerformance().summary(plan.volumeSizeGiB()) + "\n",
        "  warning: " + plan.instanceWarning() + "\n");
    assertThat(log.indexOf("  provisioned ")).isGreaterThan(log.indexOf("  volume ")).isLessThan(log.indexOf("[2/9]"));
    assertThat(log.split("provisioned ", -1)).hasSize(2);
  }
}
