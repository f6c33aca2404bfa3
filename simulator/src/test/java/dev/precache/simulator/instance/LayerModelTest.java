package dev.precache.simulator.instance;

import static dev.precache.simulator.instance.TestHost.GB;
import static dev.precache.simulator.instance.TestHost.MB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.precache.simulator.instance.CatalogImage.Layer;
import dev.precache.simulator.instance.CatalogImage.PlatformManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** containerd's content store and snapshotter as the pulls fill them: shared layers, unpacking, space. */
class LayerModelTest {
  private static final String SHELTIE = "apiclient exec admin sheltie ";
  private static final String CTR = SHELTIE + "ctr -a /run/containerd/containerd.sock -n k8s.io ";
  private static final String BUSYBOX = "docker.io/library/busybox:latest";
  private static final String NGINX = "docker.io/library/nginx:1.27";
  private static final String LLAMA = "quay.io/redhat-ai-services/modelcar-catalog:llama-3.1-8b-instruct";
  private static final String QWEN3 = "quay.io/redhat-ai-services/modelcar-catalog:qwen3-8b";
  private static final long HOUR = 3_600_000;

  private final RegistryCatalog catalog = RegistryCatalog.defaults();
  private long now;

  private ExecutionStatus run(InstanceRuntime runtime, String script) {
    Execution execution = runtime.start(script, now);
    now += HOUR;
    return execution.poll(now);
  }

  private static String pull(String reference, String flags) {
    return CTR + "images pull --label io.cri-containerd.image=managed " + flags + " " + reference;
  }

  private PlatformManifest manifest(String reference, String platform) {
    return catalog.find(reference).orElseThrow().platform(platform).orElseThrow();
  }

  /**
   * What the volume should hold after these pulls, computed from the catalog: each distinct blob (index,
   * manifests, configs, layers) and each distinct unpacked chain once, and a 4 KiB metadata record for each
   * blob, snapshot and image.
   */
  private long expectedUse(Map<String, List<PlatformManifest>> pulled) {
    Map<String, Long> blobs = new LinkedHashMap<>();
    Map<String, Long> chains = new LinkedHashMap<>();
    pulled.forEach((reference, manifests) -> {
      CatalogImage image = catalog.find(reference).orElseThrow();
      blobs.put(image.indexDigest(), image.index().size());
      for (PlatformManifest manifest : manifests) {
        blobs.put(manifest.digest(), manifest.manifest().size());
        blobs.put(manifest.config().digest(), manifest.config().size());
        List<String> chain = ContainerdStore.chainIds(manifest.layers());
        for (int i = 0; i < manifest.layers().size(); i++) {
          blobs.put(manifest.layers().get(i).digest(), manifest.layers().get(i).size());
          chains.put(chain.get(i), manifest.layers().get(i).unpackedSize());
        }
      }
    });
    long records = blobs.size() + chains.size() + pulled.size();
    return blobs.values().stream().mapToLong(Long::longValue).sum()
        + chains.values().stream().mapToLong(Long::longValue).sum() + records * 4096;
  }

  private long dfUsed(InstanceRuntime runtime) {
    String[] lines = run(runtime, SHELTIE + "df -B1 --output=size,used,avail /var/lib/containerd").stdout().split("\n");
    assertThat(lines[0]).matches(" *1B-blocks +Used +Avail");
    return Long.parseLong(lines[1].trim().split(" +")[1]);
  }

  @Test
  void sharedLayersAreFetchedOnceAndUseIsBlobsPlusUnpacked() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132().withKubernetes(33), catalog);
    assertThat(run(runtime, pull(LLAMA, "--platform amd64")).exitCode()).isZero();
    ExecutionStatus qwen = run(runtime, pull(QWEN3, "--platform amd64"));
    ExecutionStatus arm = run(runtime, pull(LLAMA, "--platform arm64"));

    // qwen3 shares the ubi9-micro base with llama: only its five shards come down.
    long qwenShards = manifest(QWEN3, "amd64").layers().stream().skip(1).mapToLong(Layer::size).sum();
    assertThat(qwen.stdout()).contains("total:  " + ByteSize.human(qwenShards) + "\t");
    // llama's arm64 manifest shares the weights with amd64: only the arm64 base comes down.
    assertThat(arm.stdout()).contains("total:  " + ByteSize.human(manifest(LLAMA, "arm64").layers().get(0).size()) + "\t");

    String contentList = run(runtime, CTR + "content ls -q").stdout();
    Layer base = manifest(LLAMA, "amd64").layers().get(0);
    assertThat(contentList.lines().filter(base.digest()::equals)).hasSize(1);
    long expected = expectedUse(Map.of(LLAMA, List.of(manifest(LLAMA, "amd64"), manifest(LLAMA, "arm64")),
        QWEN3, List.of(manifest(QWEN3, "amd64"))));
    assertThat(runtime.usedBytes()).isEqualTo(expected);
    assertThat(dfUsed(runtime)).isEqualTo(expected);
    // The blobs are shared, the unpacked snapshots only along the same chain: containerd keys a snapshot by its
    // chain ID (parent included), so the weights on arm64's base are unpacked again, qwen3's base is not.
    double compressed = 16.1 * GB + 16.4 * GB + 7.0 * MB;
    double unpacked = 2 * 16.26 * GB + 16.56 * GB;
    assertThat((double) expected).isCloseTo(compressed + unpacked, within(0.1 * GB));
  }

  @Test
  void layersFetchThreeAtATimeAndUnpackInOneStream() {
    TestHost host = TestHost.k8s132();
    ExecutionStatus three = run(new InstanceRuntime(host, catalog), pull(LLAMA, "--platform amd64 --max-concurrent-downloads 3"));
    ExecutionStatus one = run(new InstanceRuntime(host, catalog), pull(LLAMA, "--platform amd64 --max-concurrent-downloads 1"));

    List<Layer> layers = manifest(LLAMA, "amd64").layers();
    double cap = catalog.pullBytesPerSecond("quay.io");
    // Base and shards 1, 2 start together; shard 3 follows the base; shard 4 follows the first shard done.
    double baseDone = layers.get(0).size() / cap;
    double firstShardDone = Math.min(layers.get(1).size() / cap, baseDone + layers.get(3).size() / cap);
    double threeAtOnce = Math.max(Math.max(layers.get(1).size(), layers.get(2).size()) / cap,
        Math.max(baseDone + layers.get(3).size() / cap, firstShardDone + layers.get(4).size() / cap));
    assertThat(fetchSeconds(three)).isCloseTo(1.5 + threeAtOnce, within(0.1));
    assertThat(fetchSeconds(one)).isCloseTo(1.5 + 16.1 * GB / cap, within(0.1));

    // containerd 1.7's ctr unpacks after the fetch, layer after layer, each a single gzip stream.
    double unpack = layers.stream().mapToDouble(layer -> Math.ceil(layer.size() / PullTraffic.UNPACK_BYTES_PER_SECOND * 1000) / 1000).sum();
    assertThat(doneSeconds(three)).isCloseTo(unpack, within(0.05));
  }

  @Test
  void unpackTimeFollowsTheSingleStreamRateAndConcurrentUnpacksShareTheCores(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("layers.yaml");
    // One 2.7 GiB layer: containerd#13559 saw ~30 s to unpack it.
    StringBuilder yaml = new StringBuilder("images:\n");
    for (int i = 1; i <= 4; i++) {
      yaml.append("  docker.io/test/big").append(i).append(":1: {linux/amd64: 2.7 GiB}\n");
    }
    Files.writeString(file, yaml);
    RegistryCatalog layers = RegistryCatalog.load(file);
    ExecutionStatus alone = run(new InstanceRuntime(TestHost.k8s132(), layers), pull("docker.io/test/big1:1", ""));
    assertThat(doneSeconds(alone)).isCloseTo(30.0, within(0.01));

    // Four pulls at once on 2 cores: four unpack streams at half speed each.
    InstanceRuntime twoCores = new InstanceRuntime(TestHost.k8s132().withVcpus(2), layers);
    List<Execution> pulls = new java.util.ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      pulls.add(twoCores.start(pull("docker.io/test/big" + i + ":1", ""), 0));
    }
    for (Execution execution : pulls) {
      assertThat(doneSeconds(execution.poll(HOUR))).isCloseTo(60.0, within(0.05));
    }
  }

  @Test
  void containerd2UnpacksWhileFetchingSoAPullTakesLessThanFetchPlusUnpack() {
    // The same three layers at a time on both: 1.7 by its flag, 2.x by the transfer service's 3 permits.
    ExecutionStatus v17 = run(new InstanceRuntime(TestHost.k8s132(), catalog), pull(LLAMA, "--platform amd64 --max-concurrent-downloads 3"));
    Execution v2 = new InstanceRuntime(TestHost.k8s132().withKubernetes(33), catalog)
        .start(pull(LLAMA, "--platform amd64"), 0);
    double v17Total = fetchSeconds(v17) + doneSeconds(v17);
    Matcher elapsed = Pattern.compile("elapsed: ([0-9.]+) s").matcher(v2.poll(HOUR).stdout());
    assertThat(elapsed.find()).isTrue();
    // The unpack stream starts once the base and the first shard are in, instead of after the last shard.
    assertThat(Double.parseDouble(elapsed.group(1))).isLessThan(v17Total - 5).isGreaterThan(doneSeconds(v17));
  }

  @Test
  void runningOutOfSpaceWhileFetchingFailsAndLeavesThePartialContent() {
    long llamaUse = expectedUse(Map.of(LLAMA, List.of(manifest(LLAMA, "amd64"))));
    long capacity = llamaUse + 8 * GB;
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132().withCapacity(capacity), catalog);
    assertThat(run(runtime, pull(LLAMA, "")).exitCode()).isZero();

    ExecutionStatus failed = run(runtime, pull(QWEN3, ""));
    assertThat(failed.exitCode()).isEqualTo(1);
    assertThat(failed.stderr()).matches("ctr: failed to copy: failed to send write: write /var/lib/containerd/"
        + "io\\.containerd\\.content\\.v1\\.content/ingest/[0-9a-f]{64}/data: no space left on device: unknown\n");
    assertThat(run(runtime, CTR + "images ls -q").stdout()).isEqualTo(LLAMA + "\n");
    String content = run(runtime, CTR + "content ls -q").stdout();
    assertThat(content).contains(manifest(QWEN3, "amd64").digest(), catalog.find(QWEN3).orElseThrow().indexDigest());
    assertThat(runtime.usedBytes()).as("the shards' partial ingests stay").isGreaterThan(llamaUse + 7 * GB)
        .isLessThanOrEqualTo(capacity);
    assertThat(runtime.volumeContents()).extracting(VolumeImage::image).containsExactly(LLAMA);
  }

  @Test
  void runningOutOfSpaceWhileUnpackingLeavesTheFetchedBlobs() {
    long llamaUse = expectedUse(Map.of(LLAMA, List.of(manifest(LLAMA, "amd64"))));
    long capacity = llamaUse + (long) (16.5 * GB) + 5 * GB; // qwen3's blobs fit, not their unpacked copies
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132().withCapacity(capacity), catalog);
    run(runtime, pull(LLAMA, ""));

    ExecutionStatus failed = run(runtime, pull(QWEN3, ""));
    assertThat(failed.stderr()).matches("ctr: failed to extract layer sha256:[0-9a-f]{64}: write /var/lib/containerd/"
        + "io\\.containerd\\.snapshotter\\.v1\\.overlayfs/snapshots/[0-9]+/fs/data: no space left on device: unknown\n");
    String content = run(runtime, CTR + "content ls -q").stdout();
    assertThat(manifest(QWEN3, "amd64").layers()).allSatisfy(layer -> assertThat(content).contains(layer.digest()));
    assertThat(run(runtime, CTR + "images ls -q").stdout()).isEqualTo(LLAMA + "\n");

    // Removing the images collects what nothing references any more: the failed pull's blobs too.
    run(runtime, CTR + "images rm " + LLAMA);
    assertThat(run(runtime, CTR + "content ls -q").stdout()).isEmpty();
    assertThat(runtime.usedBytes()).isZero();
  }

  @Test
  void listShowsEveryPlatformOfTheIndexAndTheLabelsCheckOnlyTheHostsPlatform() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    run(runtime, CTR + "images pull --platform linux/amd64 --label io.cri-containerd.image=managed "
        + "--label io.cri-containerd.pinned=pinned " + BUSYBOX);
    run(runtime, pull(NGINX, "--platform linux/arm64"));

    CatalogImage busybox = catalog.find(BUSYBOX).orElseThrow();
    CatalogImage nginx = catalog.find(NGINX).orElseThrow();
    PlatformManifest busyboxAmd64 = busybox.platform("amd64").orElseThrow();
    String[] ls = run(runtime, CTR + "images ls").stdout().split("\n");
    assertThat(ls).hasSize(3);
    int platformsAt = ls[0].indexOf("PLATFORMS");
    assertThat(ls[1]).startsWith(BUSYBOX + " ").contains(" " + busybox.indexDigest() + " ")
        .contains(" " + ByteSize.human(busybox.index().size() + busyboxAmd64.manifest().size() + busyboxAmd64.bytes()) + " ")
        .endsWith(" io.cri-containerd.image=managed,io.cri-containerd.pinned=pinned ");
    assertThat(ls[1].substring(platformsAt)).startsWith("linux/amd64,linux/arm64/v8 ");
    assertThat(ls[2].substring(platformsAt)).as("nginx pulled for arm64 only still lists both")
        .startsWith("linux/amd64,linux/arm64/v8 ");
    assertThat(ls[2]).contains(" " + nginx.indexDigest() + " ")
        .contains(" " + ByteSize.human(nginx.index().size() + nginx.platform("amd64").orElseThrow().manifest().size()) + " ");

    ExecutionStatus check = run(runtime, CTR + "images check");
    String[] rows = check.stdout().split("\n");
    assertThat(rows[0]).matches("REF +TYPE +DIGEST +STATUS +SIZE +UNPACKED ");
    String size = ByteSize.human(busyboxAmd64.bytes());
    assertThat(rows[1]).matches(Pattern.quote(BUSYBOX) + " +" + Pattern.quote(OciDocument.INDEX) + " +"
        + busybox.indexDigest() + " +complete \\(2/2\\) +" + Pattern.quote(size + "/" + size) + " +true");
    assertThat(rows[2]).matches(Pattern.quote(NGINX) + " +.* +unavailable \\(0/\\?\\) +0\\.0 B/\\? +false");
    assertThat(check.exitCode()).isEqualTo(1);
    assertThat(check.stderr()).endsWith("ctr: unable to check unpack for " + NGINX + ": content digest "
        + nginx.platform("amd64").orElseThrow().digest() + ": not found\n");
    assertThat(run(runtime, CTR + "images check -q").stdout()).isEqualTo(BUSYBOX + "\n");

    // name== filters pick the images, as ctr's ListImages does: the complete one alone, exit 0.
    ExecutionStatus one = run(runtime, CTR + "images check name==" + BUSYBOX);
    assertThat(one.stdout().split("\n")).hasSize(2);
    assertThat(one.stdout()).contains(BUSYBOX).doesNotContain(NGINX);
    assertThat(one.exitCode()).isZero();
    assertThat(run(runtime, CTR + "images check name==" + NGINX).exitCode()).isEqualTo(1);
    assertThat(run(runtime, CTR + "images check digest==sha256:00").exitCode()).isEqualTo(1);
  }

  @Test
  void checkCountsMissingLayersAsIncomplete() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    Execution pulling = runtime.start(pull(LLAMA, "--platform amd64"), 0);
    pulling.poll(5_000);
    runtime.interruptAll(5_000);
    // No image record after an interrupted pull: check has nothing to report, content ls shows the documents.
    assertThat(run(runtime, CTR + "images check").stdout()).isEmpty();
    assertThat(run(runtime, CTR + "content ls -q").stdout()).contains(manifest(LLAMA, "amd64").digest());
  }

  @Test
  void contentListPrintsDigestSizeAgeAndLabels() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    run(runtime, pull(BUSYBOX, "--platform amd64"));
    PlatformManifest amd64 = manifest(BUSYBOX, "amd64");
    Layer layer = amd64.layers().get(0);
    String[] lines = run(runtime, CTR + "content ls").stdout().split("\n");
    assertThat(lines[0]).isEqualTo("DIGEST" + "\t".repeat(9) + "SIZE\tAGE\t\tLABELS");
    assertThat(lines).hasSize(5); // index, manifest, config, layer
    assertThat(lines).contains(layer.digest() + "\t2.2MB\t59 minutes\tcontainerd.io/distribution.source.docker.io="
        + "library/busybox,containerd.io/uncompressed=" + layer.diffId());
    assertThat(lines).anyMatch(line -> line.startsWith(amd64.digest() + "\t") && line.endsWith(
        "containerd.io/gc.ref.content.config=" + amd64.config().digest() + ",containerd.io/gc.ref.content.l.0="
            + layer.digest()));
  }

  @Test
  void aTagMovedBeforeThePullIsPulledAtItsNewDigestAndOldVolumesKeepTheirs() {
    InstanceRuntime before = new InstanceRuntime(TestHost.k8s132(), catalog);
    run(before, pull(NGINX, "--platform amd64"));
    CatalogImage old = catalog.find(NGINX).orElseThrow();
    CatalogImage moved = catalog.rebuild(NGINX);

    InstanceRuntime after = new InstanceRuntime(TestHost.k8s132(), catalog);
    ExecutionStatus pulled = run(after, pull(NGINX, "--platform amd64"));
    assertThat(pulled.stdout()).contains("index-" + moved.indexDigest() + ": done");
    assertThat(after.volumeContents()).singleElement().satisfies(image -> {
      assertThat(image.indexDigest()).isEqualTo(moved.indexDigest()).isNotEqualTo(old.indexDigest());
      assertThat(image.digest()).isEqualTo(moved.platform("amd64").orElseThrow().digest());
    });
    assertThat(before.volumeContents()).singleElement()
        .satisfies(image -> assertThat(image.indexDigest()).isEqualTo(old.indexDigest()));

    // On the old volume, a re-pull fetches only the new top layer: the base and middle layers are there.
    ExecutionStatus repull = run(before, pull(NGINX, "--platform amd64"));
    List<Layer> newLayers = moved.platform("amd64").orElseThrow().layers();
    assertThat(repull.stdout()).contains("total: " + ByteSize.human(newLayers.get(newLayers.size() - 1).size()) + "\t");
  }

  @Test
  void aRestoredVolumeHoldsTheSameContentAndUse() {
    InstanceRuntime builder = new InstanceRuntime(TestHost.k8s132(), catalog);
    run(builder, pull(NGINX, "--all-platforms") + "\n" + pull(BUSYBOX, ""));
    InstanceRuntime restored = new InstanceRuntime(TestHost.k8s132(), catalog, builder.volumeContents());
    assertThat(restored.volumeContents()).isEqualTo(builder.volumeContents());
    assertThat(restored.usedBytes()).isEqualTo(builder.usedBytes());
    Set<String> digests = new HashSet<>(run(restored, CTR + "content ls -q").stdout().lines().toList());
    assertThat(digests).isEqualTo(new HashSet<>(run(builder, CTR + "content ls -q").stdout().lines().toList()));
  }

  @Test
  void dfPrintsTheVolumeAsCoreutilsDoes() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    // GNU df: right-aligned columns one space apart, each as wide as its widest cell and at least 5.
    assertThat(run(runtime, SHELTIE + "df -B1 --output=size,used,avail /var/lib/containerd").stdout())
        .isEqualTo("   1B-blocks  Used        Avail\n100000000000     0 100000000000\n");
    assertThat(run(runtime, SHELTIE + "df --output=avail,size /local").stdout())
        .isEqualTo("   Avail 1K-blocks\n97656250  97656250\n");
    ExecutionStatus elsewhere = run(runtime, SHELTIE + "df -B1 --output=used /tmp");
    assertThat(elsewhere.exitCode()).isEqualTo(1);
    assertThat(elsewhere.stderr()).isEqualTo("df: /tmp: No such file or directory\n");
  }

  @Test
  void anInjectedRegistryErrorFailsTheResolveAsContainerdReportsIt() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    runtime.useRegistryFailures(host -> host.equals("docker.io") ? java.util.Optional.of("429 Too Many Requests")
        : java.util.Optional.empty());
    ExecutionStatus limited = run(runtime, pull(NGINX, ""));
    assertThat(limited.stderr()).isEqualTo("ctr: failed to resolve reference \"" + NGINX + "\": pulling from host "
        + "docker.io failed with status code [manifests 1.27]: 429 Too Many Requests\n");
    assertThat(run(runtime, CTR + "content ls -q").stdout()).isEmpty();
    assertThat(run(runtime, pull(LLAMA, "")).exitCode()).isZero();
  }

  private static double fetchSeconds(ExecutionStatus status) {
    Matcher matcher = Pattern.compile("elapsed: ([0-9.]+) s\t").matcher(status.stdout());
    assertThat(matcher.find()).as(status.stdout() + status.stderr()).isTrue();
    return Double.parseDouble(matcher.group(1));
  }

  /** containerd 1.7's "done: <duration>" after unpacking, in seconds. */
  private static double doneSeconds(ExecutionStatus status) {
    Matcher matcher = Pattern.compile("done: (?:([0-9]+)m)?([0-9.]+)(ms|s)\n").matcher(status.stdout());
    assertThat(matcher.find()).as(status.stdout() + status.stderr()).isTrue();
    double minutes = matcher.group(1) == null ? 0 : Double.parseDouble(matcher.group(1));
    double value = Double.parseDouble(matcher.group(2));
    return minutes * 60 + (matcher.group(3).equals("ms") ? value / 1000 : value);
  }
}
