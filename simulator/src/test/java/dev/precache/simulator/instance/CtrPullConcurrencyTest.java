package dev.precache.simulator.instance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.precache.simulator.instance.ExecutionStatus.State;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * How many layers a {@code ctr images pull} downloads at once, as containerd's source has it: containerd 2.x's
 * transfer service shares 3 downloads among all its pulls and refuses {@code --max-concurrent-downloads} without
 * {@code --local}; 2.x's {@code --local} pulls every layer at once and unpacks after the fetch (the flag read by no
 * one since v2.1); containerd 1.7's ctr applies the flag.
 */
class CtrPullConcurrencyTest {
  private static final String SHELTIE = "apiclient exec admin sheltie ";
  private static final String CTR = SHELTIE + "ctr -a /run/containerd/containerd.sock -n k8s.io ";
  private static final String LLAMA = "quay.io/redhat-ai-services/modelcar-catalog:llama-3.1-8b-instruct";
  private static final String QWEN3 = "quay.io/redhat-ai-services/modelcar-catalog:qwen3-8b";
  private static final long LONG_AFTER = 3_600_000;
  /** apiclient exec and ctr's resolve, then 5 s of downloading: the 7 MB base is in, the 1.2 GB shard 4 not yet. */
  private static final long FIVE_SECONDS_IN = 1_800 + 5_000;

  private final RegistryCatalog catalog = RegistryCatalog.defaults();

  private static String pull(String reference, String flags) {
    return CTR + "images pull --label io.cri-containerd.image=managed --platform linux/amd64 " + flags + " " + reference;
  }

  /** The layer digests downloading at {@code at}, from {@code ctr content active}. */
  private static List<String> activeLayers(InstanceRuntime runtime, long at) {
    String out = runtime.start(CTR + "content active", at).poll(at + 1_000).stdout();
    return Arrays.stream(out.split("\n")).skip(1).map(line -> line.split("\t+")[0].replace("layer-", "")).toList();
  }

  private List<String> shards(String reference) {
    return catalog.find(reference).orElseThrow().platform("amd64").orElseThrow().layers().stream()
        .skip(1).map(CatalogImage.Layer::digest).toList();
  }

  @Test
  void containerd2RefusesMaxConcurrentDownloadsWithoutLocalAndPullsNothing() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132().withKubernetes(33), catalog);
    ExecutionStatus refused = runtime.start(pull(LLAMA, "--max-concurrent-downloads 1"), 0).poll(LONG_AFTER);

    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.stderr()).isEqualTo("ctr: \"--max-concurrent-downloads\" requires \"--local\" flag\n");
    assertThat(runtime.start(CTR + "images ls -q", LONG_AFTER).poll(LONG_AFTER + 1_000).stdout()).isEmpty();
    assertThat(runtime.start(CTR + "content ls -q", LONG_AFTER).poll(LONG_AFTER + 1_000).stdout()).isEmpty();
    assertThat(runtime.usedBytes()).isZero();
  }

  @Test
  void containerd2TransferServiceSharesThreeDownloadsAmongAllPullsFirstComeFirstServed() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132().withKubernetes(33), catalog);
    Execution llama = runtime.start(pull(LLAMA, ""), 0);
    Execution qwen = runtime.start(pull(QWEN3, ""), 0);

    // Not 3 each: 3 on the instance, and llama (queued first) has them, its base already in.
    assertThat(activeLayers(runtime, FIVE_SECONDS_IN)).containsExactlyInAnyOrderElementsOf(shards(LLAMA).subList(0, 3));
    assertThat(llama.poll(LONG_AFTER).state()).isEqualTo(State.SUCCESS);
    assertThat(qwen.poll(LONG_AFTER).state()).isEqualTo(State.SUCCESS);
    assertThat(activeLayers(runtime, LONG_AFTER)).isEmpty();
  }

  @Test
  void containerd2LocalPullsEveryLayerAtOnceIgnoringTheFlagAndUnpacksAfterTheFetch() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132().withKubernetes(33), catalog);
    Execution llama = runtime.start(pull(LLAMA, "--local --max-concurrent-downloads 1"), 0);

    assertThat(activeLayers(runtime, FIVE_SECONDS_IN)).containsExactlyInAnyOrderElementsOf(shards(LLAMA));
    ExecutionStatus done = llama.poll(LONG_AFTER);
    assertThat(done.state()).isEqualTo(State.SUCCESS);
    // The client-side pull's output: the fetch, then each platform unpacked (ctr pull.go's --local branch).
    assertThat(done.stdout()).contains("unpacking linux/amd64 " + catalog.find(LLAMA).orElseThrow().indexDigest() + "...\n")
        .containsPattern("(?m)^done: [0-9.ms]+\\n");
    assertThat(runtime.start(CTR + "images check", LONG_AFTER).poll(LONG_AFTER + 1_000).stdout())
        .contains("complete (6/6)").endsWith(" true\n");
  }

  @Test
  void containerd17AppliesTheFlagAndWithoutItPullsEveryLayerAtOnce() {
    InstanceRuntime limited = new InstanceRuntime(TestHost.k8s132(), catalog);
    limited.start(pull(LLAMA, "--max-concurrent-downloads 1"), 0);
    assertThat(activeLayers(limited, FIVE_SECONDS_IN)).containsExactly(shards(LLAMA).get(0));

    InstanceRuntime unlimited = new InstanceRuntime(TestHost.k8s132(), catalog);
    unlimited.start(pull(LLAMA, ""), 0);
    assertThat(activeLayers(unlimited, FIVE_SECONDS_IN)).containsExactlyInAnyOrderElementsOf(shards(LLAMA));
  }

  @Test
  void bottlerocketsMaxConcurrentDownloadsSizesTheTransferServicesSharedPermits() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132().withKubernetes(33)
        .withContainerRuntime(new ContainerRuntimeSettings(8, 0, 1)), catalog);
    runtime.start(pull(LLAMA, ""), 0);
    runtime.start(pull(QWEN3, ""), 0);

    List<String> active = activeLayers(runtime, FIVE_SECONDS_IN);
    assertThat(active).hasSize(8).containsAll(shards(LLAMA));
  }

  @Test
  void withAChunkSizeALayerDownloadsOverSeveralConnectionsAndThePullsShareThePermits() {
    TestHost host = TestHost.k8s132().withKubernetes(33);
    InstanceRuntime whole = new InstanceRuntime(host.withContainerRuntime(new ContainerRuntimeSettings(8, 0, 1)), catalog);
    InstanceRuntime chunked = new InstanceRuntime(
        host.withContainerRuntime(new ContainerRuntimeSettings(8, 16_000_000, 1)), catalog);
    whole.start(pull(LLAMA, ""), 0);
    chunked.start(pull(LLAMA, ""), 0);

    List<CatalogImage.Layer> layers = catalog.find(LLAMA).orElseThrow().platform("amd64").orElseThrow().layers();
    long shardBytes = layers.stream().skip(1).mapToLong(CatalogImage.Layer::size).sum();
    long largest = layers.stream().mapToLong(CatalogImage.Layer::size).max().orElseThrow();
    double perConnection = catalog.pullBytesPerSecond("quay.io");
    // Chunked, the 8 permits carry every shard at once: all in by their bytes over 8 connections, or over what the
    // volume takes beside the one unpack stream writing as the shards arrive.
    double fetchRate = Math.min(8 * perConnection, Math.min(host.networkBytesPerSecond(),
        host.dataVolume().throughputBytesPerSecond() - PullTraffic.UNPACK_BYTES_PER_SECOND));
    long allIn = 1_800 + (long) (shardBytes / fetchRate * 1_000 * 1.05);
    assertThat(largest / perConnection * 1_000).as("one connection would still be fetching the largest shard")
        .isGreaterThan(allIn - 1_800);
    assertThat(activeLayers(chunked, allIn)).isEmpty();
    assertThat(activeLayers(whole, allIn)).isNotEmpty();
    assertThat(chunked.start(CTR + "images check", LONG_AFTER).poll(LONG_AFTER + 1_000).stdout())
        .contains("complete (6/6)");
  }

  @Test
  void withUnpackPermitsContainerd22UnpacksAPullsLayersInParallelAndStillCommitsTheImageWhole() {
    TestHost host = TestHost.k8s132().withKubernetes(33).withVcpus(8);
    InstanceRuntime inOrder = new InstanceRuntime(
        host.withContainerRuntime(new ContainerRuntimeSettings(8, 16_000_000, 1)), catalog);
    InstanceRuntime parallel = new InstanceRuntime(
        host.withContainerRuntime(new ContainerRuntimeSettings(8, 16_000_000, 8)), catalog);
    ExecutionStatus sequentially = inOrder.start(pull(LLAMA, ""), 0).poll(LONG_AFTER);
    ExecutionStatus atOnce = parallel.start(pull(LLAMA, ""), 0).poll(LONG_AFTER);

    List<CatalogImage.Layer> layers = catalog.find(LLAMA).orElseThrow().platform("amd64").orElseThrow().layers();
    double unpackAll = layers.stream().mapToLong(CatalogImage.Layer::size).sum() / PullTraffic.UNPACK_BYTES_PER_SECOND;
    double unpackLargest = layers.stream().mapToLong(CatalogImage.Layer::size).max().orElseThrow()
        / PullTraffic.UNPACK_BYTES_PER_SECOND;
    // In order, no pull beats one gzip stream over every layer; in parallel, the layers share the 8 cores.
    assertThat(elapsedSeconds(sequentially)).isGreaterThan(unpackAll);
    assertThat(elapsedSeconds(atOnce)).isLessThan(unpackAll / 2).isGreaterThan(unpackLargest);
    assertThat(parallel.start(CTR + "images check", LONG_AFTER).poll(LONG_AFTER + 1_000).stdout())
        .contains("complete (6/6)").endsWith(" true\n");
    assertThat(parallel.usedBytes()).isEqualTo(inOrder.usedBytes());
  }

  @Test
  void unpackPermitsAreSharedByAllThePullsOnTheInstance() {
    TestHost host = TestHost.k8s132().withKubernetes(33).withVcpus(8);
    InstanceRuntime twoPermits = new InstanceRuntime(
        host.withContainerRuntime(new ContainerRuntimeSettings(8, 16_000_000, 2)), catalog);
    InstanceRuntime eightPermits = new InstanceRuntime(
        host.withContainerRuntime(new ContainerRuntimeSettings(8, 16_000_000, 8)), catalog);
    List<Execution> few = List.of(twoPermits.start(pull(LLAMA, ""), 0), twoPermits.start(pull(QWEN3, ""), 0));
    List<Execution> many = List.of(eightPermits.start(pull(LLAMA, ""), 0), eightPermits.start(pull(QWEN3, ""), 0));

    double fewDone = few.stream().map(pull -> pull.poll(LONG_AFTER)).mapToDouble(CtrPullConcurrencyTest::elapsedSeconds)
        .max().orElseThrow();
    double manyDone = many.stream().map(pull -> pull.poll(LONG_AFTER)).mapToDouble(CtrPullConcurrencyTest::elapsedSeconds)
        .max().orElseThrow();
    long shardsOfBoth = shards(LLAMA).size() + shards(QWEN3).size();
    // Two permits on the instance, not two per pull: the two pulls' shards go through two streams at a time.
    double shardBytes = Stream.of(LLAMA, QWEN3).flatMap(image -> catalog.find(image).orElseThrow().platform("amd64")
        .orElseThrow().layers().stream().skip(1)).mapToLong(CatalogImage.Layer::size).sum();
    assertThat(shardsOfBoth).isGreaterThan(4);
    assertThat(fewDone).isGreaterThan(shardBytes / (2 * PullTraffic.UNPACK_BYTES_PER_SECOND));
    assertThat(manyDone).isLessThan(fewDone);
  }

  /** The elapsed time the transfer service's pull prints on its last line. */
  private static double elapsedSeconds(ExecutionStatus pull) {
    assertThat(pull.state()).isEqualTo(State.SUCCESS);
    Matcher elapsed = Pattern.compile("elapsed: ([0-9.]+) s").matcher(pull.stdout());
    assertThat(elapsed.find()).as(pull.stdout()).isTrue();
    return Double.parseDouble(elapsed.group(1));
  }
}
