package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.workflows.BuildResult;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real builds show up in the dev server's Web UI with their summaries and snapshots; the UI's search filter finds them. */
class WebUiTest extends RealBuildTest {
  private static final String IMAGE = "docker.io/library/nginx:1.27";
  /** The single-page app renders asynchronously; under load one Chromium run may dump it half-drawn. */
  private static final int ATTEMPTS = 4;

  private static String usBuild;
  private static String euBuild;
  private static BuildResult usResult;

  private final Chromium chromium = new Chromium();

  @BeforeAll
  static void buildTwice() {
    usBuild = build("ui-gpu-us", "us-west-2");
    euBuild = build("ui-gpu-eu", "eu-west-1");
    usResult = temporal.client().newUntypedWorkflowStub(usBuild).getResult(BuildResult.class);
  }

  @Test
  void workflowListShowsTheBuilds() throws Exception {
    URI workflows = temporal.uiUrl().resolve("/namespaces/" + TemporalDevServer.NAMESPACE + "/workflows");

    String dom = domContaining(workflows, usBuild);
    assertThat(dom).contains(usBuild, euBuild);

    screenshot(workflows, "workflows.png");
  }

  @Test
  void workflowListFiltersBySearchAttribute() throws Exception {
    String query = "PrecacheRegion = \"eu-west-1\"";
    URI filtered = temporal.uiUrl().resolve("/namespaces/" + TemporalDevServer.NAMESPACE + "/workflows?query="
        + URLEncoder.encode(query, StandardCharsets.UTF_8).replace("+", "%20"));

    String dom = domContaining(filtered, euBuild);
    assertThat(dom).doesNotContain(usBuild);

    screenshot(filtered, "workflows-eu-west-1.png");
  }

  @Test
  void buildPageShowsWhatItBuiltAndItsSnapshot() throws Exception {
    String runId = temporal.client().newUntypedWorkflowStub(usBuild).describe().getExecution().getRunId();
    URI page = temporal.uiUrl().resolve("/namespaces/" + TemporalDevServer.NAMESPACE + "/workflows/" + usBuild + "/"
        + runId + "/history");

    String dom = domContaining(page, usResult.snapshotId());
    assertThat(dom).contains(IMAGE);
    screenshot(page, "build.png");

    // The build's one-line summary is the workflow's user metadata, which the page shows with the first event; the
    // history is a virtualised list, newest first, and a build's hundred events leave that one out of the DOM.
    assertThat(temporal.client().newUntypedWorkflowStub(usBuild).describe().getStaticSummary())
        .isEqualTo("precache build ui-gpu-us: 1 image × 1 platform → us-west-2");
  }

  @Test
  void buildPageShowsItsSearchAttributes() throws Exception {
    String runId = temporal.client().newUntypedWorkflowStub(usBuild).describe().getExecution().getRunId();
    URI page = temporal.uiUrl().resolve("/namespaces/" + TemporalDevServer.NAMESPACE + "/workflows/" + usBuild + "/"
        + runId + "/search-attributes");

    String dom = domContaining(page, "PrecacheSnapshotId");
    assertThat(dom).contains("PrecacheStatus", "SUCCEEDED", "PrecacheRegion", "PrecacheBuildName", "ui-gpu-us",
        "PrecacheImages", IMAGE, usResult.snapshotId());

    screenshot(page, "build-search-attributes.png");
  }

  /** The page's DOM once it shows {@code text}; fails with the last DOM after {@link #ATTEMPTS} loads. */
  private String domContaining(URI page, String... texts) throws InterruptedException {
    String dom = "";
    for (int attempt = 1; attempt <= ATTEMPTS && !containsAll(dom, texts); attempt++) {
      dom = chromium.dumpDom(page);
    }
    assertThat(dom).as("DOM of %s", page).contains(texts);
    return dom;
  }

  private static boolean containsAll(String dom, String... texts) {
    return java.util.Arrays.stream(texts).allMatch(dom::contains);
  }

  /** Kept under target/ui/ as a CI artifact. */
  private void screenshot(URI page, String name) throws Exception {
    Path png = BuildDirectory.file("ui/" + name);
    Files.deleteIfExists(png);
    chromium.screenshot(page, png);
    assertThat(Files.size(png)).as("screenshot size").isGreaterThan(10_000);
  }

  /** Builds through the CLI, to the end; returns the workflow ID. */
  private static String build(String name, String region) {
    Cli.Run build = new Cli(temporal.client()).run("build", "--name", name, "-r", region, IMAGE);
    assertThat(build.exitCode()).as("%s", build).isZero();
    return build.out().lines().filter(line -> line.startsWith("Started build "))
        .map(line -> line.split(" ")[2]).findFirst().orElseThrow();
  }
}
