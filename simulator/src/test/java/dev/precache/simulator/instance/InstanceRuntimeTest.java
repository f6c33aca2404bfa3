package dev.precache.simulator.instance;

import static dev.precache.simulator.instance.TestHost.GB;
import static dev.precache.simulator.instance.TestHost.MB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.precache.simulator.instance.ExecutionStatus.State;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstanceRuntimeTest {
  private static final String CTR = "apiclient exec admin sheltie ctr -a /run/containerd/containerd.sock -n k8s.io images ";
  private static final String BUSYBOX = "docker.io/library/busybox:latest";
  private static final String PRIVATE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/precache/sample-model:v1";
  private static final String LLAMA = "quay.io/redhat-ai-services/modelcar-catalog:llama-3.1-8b-instruct";
  private static final long LONG_AFTER = 3_600_000;
  /** apiclient exec (300 ms) and ctr's resolve (1.5 s) before the first byte moves. */
  private static final long SHELTIE_AND_RESOLVE = 1_800;

  private final RegistryCatalog catalog = RegistryCatalog.defaults();

  private long now;

  /** Runs the script to its end, each run starting where the previous one's hour ended. */
  private ExecutionStatus run(InstanceRuntime runtime, String script) {
    Execution execution = runtime.start(script, now);
    now += LONG_AFTER;
    return execution.poll(now);
  }

  private static String pull(String reference, String flags) {
    return CTR + "pull --label io.cri-containerd.image=managed " + flags + " " + reference;
  }

  /** The simulated time at which the execution stops being IN_PROGRESS, found by polling each 10 ms. */
  private static long finishTime(Execution execution, long from) {
    for (long t = from; t < LONG_AFTER; t += 10) {
      if (execution.poll(t).state() != State.IN_PROGRESS) {
        return t;
      }
    }
    throw new AssertionError("still running");
  }

  @Test
  void pipefailMakesAPipelineFailWhenAnyStageFails() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);

    assertThat(run(runtime, "false | true").exitCode()).isZero();
    assertThat(run(runtime, "set -o pipefail && false | true").exitCode()).isEqualTo(1);
    assertThat(run(runtime, "set -o pipefail && echo a | grep -o b | xargs -I {} echo got {}").exitCode()).isEqualTo(1);
  }

  @Test
  void grepCutAndXargsPerLineHandTheFieldToTheCommand() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);

    ExecutionStatus status = run(runtime,
        "echo '{\"user\":\"AWS\",\"password\":\"s3cret\"}' | grep -o '\"password\":\"[^\"]*\"'"
            + " | cut -d '\"' -f 4 | xargs -I {} echo --user AWS:{} image");

    assertThat(status.exitCode()).as(status.stderr()).isZero();
    assertThat(status.stdout()).isEqualTo("--user AWS:s3cret image\n");
  }

  @Test
  void theEcrCredentialProviderAnswersOnlyOnTheHostAndOnlyForARoleThatMayGetTokens() {
    String provider = EcrCredentialProvider.PATH;
    String request = "echo '{\"apiVersion\":\"credentialprovider.kubelet.k8s.io/v1\",\"kind\":\"CredentialProviderRequest\","
        + "\"image\":\"" + PRIVATE + "\"}' | ";
    InstanceRole allowed = new InstanceRole() {
      @Override
      public String callerArn() {
        return "arn:aws:sts::123456789012:assumed-role/builder/i-1";
      }

      @Override
      public String roleName() {
        return "builder";
      }

      @Override
      public boolean allows(String action, String resource) {
        return action.equals("ecr:GetAuthorizationToken");
      }

      @Override
      public boolean hasCredentials() {
        return true;
      }
    };
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog, List.of(), allowed);

    ExecutionStatus onHost = run(runtime,
        "apiclient exec admin sheltie bash -c \"" + request.replace("\"", "\\\"") + provider + "\"");
    ExecutionStatus inControlContainer = run(runtime, request + provider);
    ExecutionStatus noRole = run(new InstanceRuntime(TestHost.k8s132(), catalog), "apiclient exec admin sheltie "
        + provider);

    assertThat(inControlContainer.exitCode()).isEqualTo(127);
    assertThat(noRole.exitCode()).isEqualTo(1);
    assertThat(noRole.stderr()).contains("Error running credential provider plugin");
    assertThat(onHost.exitCode()).as(onHost.stderr()).isZero();
    String password = onHost.stdout().replaceFirst("(?s).*\"password\":\"([^\"]*)\".*", "$1");
    assertThat(onHost.stdout()).startsWith("{\"kind\":\"CredentialProviderResponse\",\"apiVersion\":"
        + "\"credentialprovider.kubelet.k8s.io/v1\"").contains("\"auth\":{\"123456789012.dkr.ecr.us-west-2.amazonaws.com\":"
        + "{\"username\":\"AWS\",\"password\":\"");
    assertThat(catalog.authorize("123456789012.dkr.ecr.us-west-2.amazonaws.com", "AWS", password)).isTrue();
  }

  @Test
  void pullPrintsProgressAndUnpackingAndListShowsTheImage() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    ExecutionStatus pulled = run(runtime, pull(BUSYBOX, "--platform amd64"));

    assertThat(pulled.state()).isEqualTo(State.SUCCESS);
    assertThat(pulled.exitCode()).isZero();
    String digest = catalog.find(BUSYBOX).orElseThrow().indexDigest();
    assertThat(pulled.stdout()).startsWith(BUSYBOX + ": resolved |++")
        .contains("index-" + digest + ": done")
        .containsPattern("unpacking linux/amd64 " + digest + "\\.\\.\\.\ndone: [0-9.]+m?s\n$");

    ExecutionStatus listed = run(runtime, CTR + "ls");
    String[] lines = listed.stdout().split("\n");
    assertThat(lines[0]).matches("REF +TYPE +DIGEST +SIZE +PLATFORMS +LABELS +");
    assertThat(lines[1]).matches(Pattern.quote(BUSYBOX) + " +application/vnd\\.oci\\.image\\.index\\.v1\\+json +" + digest
        + " +2\\.1 MiB +linux/amd64,linux/arm64/v8 +io\\.cri-containerd\\.image=managed +");
    assertThat(run(runtime, CTR + "ls -q").stdout()).isEqualTo(BUSYBOX + "\n");
    assertThat(run(runtime, CTR + "check").stdout()).contains("complete (2/2)").endsWith(" true\n");
  }

  @Test
  void contentActiveListsTheDownloadsUnderWayWithTheirBytesSoFar() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    Execution pulling = runtime.start(pull(LLAMA, "--platform linux/amd64 --max-concurrent-downloads 3"), 0);
    String active = "apiclient exec admin sheltie ctr -n k8s.io content active";
    Execution listing = runtime.start(active, SHELTIE_AND_RESOLVE + 10_000);
    String[] lines = listing.poll(SHELTIE_AND_RESOLVE + 12_000).stdout().split("\n");

    assertThat(lines[0]).isEqualTo("REF\t\t\t\t\t\t\t\t\t\tSIZE\tAGE\t\t");
    // Three layers at a time (max-concurrent-downloads), each at quay's 150 MB/s per connection: the small base
    // layer is done within the first second, then three shards of about 5 GB have moved about 1.5 GB each.
    List<String> shards = catalog.find(LLAMA).orElseThrow().platform("amd64").orElseThrow().layers().stream()
        .skip(1).limit(3).map(layer -> "layer-" + layer.digest()).toList();
    assertThat(lines).hasSize(4);
    for (int i = 1; i < lines.length; i++) {
      String[] cells = lines[i].split("\t+");
      assertThat(shards).contains(cells[0]);
      assertThat(cells[1]).matches("1\\.[3-6][0-9]*GB");
      assertThat(cells[2]).matches("(9|10|11) seconds");
    }

    assertThat(pulling.poll(LONG_AFTER).state()).isEqualTo(State.SUCCESS);
    assertThat(runtime.start(active, LONG_AFTER).poll(LONG_AFTER + 2_000).stdout()).isEqualTo("REF\tSIZE\tAGE\t\n");
  }

  @Test
  void volumeContentsListEachPulledPlatform() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    run(runtime, pull(BUSYBOX, "--platform amd64 --platform arm64") + "\n" + pull(LLAMA, "--platform linux/amd64"));

    assertThat(runtime.volumeContents())
        .extracting(VolumeImage::namespace, VolumeImage::image, VolumeImage::platform)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("k8s.io", BUSYBOX, "linux/amd64"),
            org.assertj.core.groups.Tuple.tuple("k8s.io", BUSYBOX, "linux/arm64"),
            org.assertj.core.groups.Tuple.tuple("k8s.io", LLAMA, "linux/amd64"));
    assertThat(runtime.volumeContents().get(2).digest()).isEqualTo(catalog.find(LLAMA).orElseThrow()
        .platform("amd64").orElseThrow().digest()).startsWith("sha256:");
    assertThat(runtime.volumeContents().get(2).indexDigest()).isEqualTo(catalog.find(LLAMA).orElseThrow().indexDigest());
    assertThat(run(runtime, CTR + "ls").stdout()).contains("linux/amd64,linux/arm64");
  }

  @Test
  void listingsFilterByNameAndDigestOringTheirArguments() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    String pause = "registry.k8s.io/pause:3.10";
    run(runtime, pull(BUSYBOX, "") + "\n" + pull(pause, ""));

    assertThat(run(runtime, CTR + "ls -q name==" + BUSYBOX).stdout()).isEqualTo(BUSYBOX + "\n");
    assertThat(run(runtime, CTR + "ls name==" + pause + " name==docker.io/library/nope:1").stdout().lines()
        .skip(1).map(line -> line.split("\\s+")[0])).containsExactly(pause);
    assertThat(run(runtime, CTR + "ls -q name==" + BUSYBOX + " name==" + pause).stdout().lines()).hasSize(2);
    String layer = catalog.find(BUSYBOX).orElseThrow().platform("amd64").orElseThrow().layers().get(0).digest();
    String content = "apiclient exec admin sheltie ctr -n k8s.io content ls -q ";
    assertThat(run(runtime, content + "digest==" + layer + " digest==sha256:" + "0".repeat(64)).stdout())
        .isEqualTo(layer + "\n");
    assertThat(run(runtime, CTR + "ls labels.x==y").exitCode()).isEqualTo(1);
  }

  @Test
  void removeAllThroughXargsEmptiesTheNamespace() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    run(runtime, pull(BUSYBOX, "") + "\n" + pull("registry.k8s.io/pause:3.10", ""));

    ExecutionStatus removed = run(runtime, CTR + "ls -q | xargs -r " + CTR + "rm");
    assertThat(removed.exitCode()).isZero();
    assertThat(removed.stdout()).isEqualTo(BUSYBOX + "\nregistry.k8s.io/pause:3.10\n");
    assertThat(runtime.volumeContents()).isEmpty();
    assertThat(runtime.usedBytes()).isZero();

    ExecutionStatus nothingLeft = run(runtime, CTR + "ls -q | xargs -r " + CTR + "rm");
    assertThat(nothingLeft.exitCode()).isZero();
    assertThat(nothingLeft.stdout()).isEmpty();
  }

  @Test
  void removeOfAnUnknownImageOnlyWarns() {
    ExecutionStatus status = run(new InstanceRuntime(TestHost.k8s132(), catalog), CTR + "rm docker.io/library/nope:1");
    assertThat(status.exitCode()).isZero();
    assertThat(status.stderr()).isEqualTo("WARN[0000] docker.io/library/nope:1: image not found\n");
  }

  @Test
  void namespacesAreSeparateStores() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    run(runtime, "apiclient exec admin sheltie ctr images pull " + BUSYBOX);
    assertThat(run(runtime, CTR + "ls -q").stdout()).isEmpty();
    assertThat(run(runtime, "apiclient exec admin sheltie ctr --namespace=default i ls -q").stdout()).isEqualTo(BUSYBOX + "\n");
  }

  @Test
  void unknownCommandsAndHostOnlyProgramsOutsideSheltieAreNotFound() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    ExecutionStatus unknown = run(runtime, "docker pull busybox");
    assertThat(unknown.state()).isEqualTo(State.FAILED);
    assertThat(unknown.exitCode()).isEqualTo(127);
    assertThat(unknown.stderr()).isEqualTo("sh: docker: command not found\n");
    assertThat(run(runtime, "ctr images ls").stderr()).isEqualTo("sh: ctr: command not found\n");
  }

  @Test
  void kubeletStopsThroughSheltieAndRunsAgainAfterBoot() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    assertThat(runtime.kubeletRunning()).isTrue();
    ExecutionStatus stopped = run(runtime, "apiclient exec admin sheltie systemctl stop kubelet");
    assertThat(stopped.exitCode()).isZero();
    assertThat(runtime.kubeletRunning()).isFalse();
    ExecutionStatus asked = run(runtime, "apiclient exec admin sheltie systemctl is-active kubelet");
    assertThat(asked.exitCode()).isEqualTo(3);
    assertThat(asked.stdout()).isEqualTo("inactive\n");
    runtime.boot(now);
    assertThat(runtime.kubeletRunning()).isTrue();
  }

  @Test
  void sheltieWithoutACommandRunsItsStdinOnTheHost() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    ExecutionStatus status = run(runtime, "echo 'systemctl stop kubelet; systemctl is-active kubelet' | apiclient exec admin sheltie");
    assertThat(status.stdout()).isEqualTo("inactive\n");
    assertThat(runtime.kubeletRunning()).isFalse();
  }

  @Test
  void privateEcrImageNeedsAnIssuedToken() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    String unauthorized = "ctr: failed to resolve reference \"" + PRIVATE + "\": pulling from host "
        + "123456789012.dkr.ecr.us-west-2.amazonaws.com failed with status code [manifests v1]: 401 Unauthorized\n";

    ExecutionStatus anonymous = run(runtime, pull(PRIVATE, "--platform amd64"));
    assertThat(anonymous.exitCode()).isEqualTo(1);
    assertThat(anonymous.stderr()).isEqualTo(unauthorized);
    assertThat(run(runtime, pull(PRIVATE, "--user AWS:made-up")).stderr()).isEqualTo(unauthorized);
    String otherRegion = catalog.issueEcrAuthorization("123456789012", "eu-west-1").password();
    assertThat(run(runtime, pull(PRIVATE, "-u AWS:" + otherRegion)).stderr()).isEqualTo(unauthorized);

    String password = catalog.issueEcrAuthorization("123456789012", "us-west-2").password();
    ExecutionStatus authorized = run(runtime, pull(PRIVATE, "--platform amd64 --user AWS:" + password));
    assertThat(authorized.exitCode()).isZero();
    assertThat(runtime.volumeContents()).extracting(VolumeImage::image).containsExactly(PRIVATE);
  }

  @Test
  void ecrTokensExpireAfterTwelveHoursOfSimulatedTime() {
    RegistryCatalog registry = RegistryCatalog.defaults();
    long[] now = {0};
    registry.useSimClock(() -> now[0]);
    EcrAuthorization authorization = registry.issueEcrAuthorization("123456789012", "us-west-2");
    String host = "123456789012.dkr.ecr.us-west-2.amazonaws.com";
    assertThat(new String(java.util.Base64.getDecoder().decode(authorization.authorizationToken())))
        .isEqualTo("AWS:" + authorization.password());
    assertThat(registry.authorize(host, "AWS", authorization.password())).isTrue();
    assertThat(registry.authorize(host, "admin", authorization.password())).isFalse();
    now[0] = 12 * 3_600_000L;
    assertThat(registry.authorize(host, "AWS", authorization.password())).isFalse();
    assertThat(registry.authorize("docker.io", null, null)).isTrue();
  }

  @Test
  void unknownImagePlatformAndReferenceErrorsLookLikeCtr() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    ExecutionStatus missing = run(runtime, pull("docker.io/library/nope:1", ""));
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.stderr())
        .isEqualTo("ctr: failed to resolve reference \"docker.io/library/nope:1\": docker.io/library/nope:1: not found\n");
    assertThat(run(runtime, pull("docker.io/vllm/vllm-openai:v0.10.1", "--platform arm64")).stderr())
        .isEqualTo("ctr: no match for platform in manifest: not found\n");
    assertThat(run(runtime, pull("busybox:latest", "")).stderr())
        .isEqualTo("ctr: failed to resolve reference \"busybox:latest\": parse \"dummy://busybox:latest\": invalid port \":latest\" after host\n");
    assertThat(run(runtime, pull("docker.io/library/busybox", "")).stderr())
        .isEqualTo("ctr: failed to resolve reference \"docker.io/library/busybox\": object required\n");
  }

  @Test
  void flagsAfterTheReferenceCountOnContainerd17AndAreIgnoredOnContainerd2() {
    String password = catalog.issueEcrAuthorization("123456789012", "us-west-2").password();
    String flagsLast = CTR + "pull " + PRIVATE + " --platform arm64 --user AWS:" + password;

    InstanceRuntime k8s132 = new InstanceRuntime(TestHost.k8s132(), catalog);
    assertThat(run(k8s132, flagsLast).exitCode()).isZero();
    assertThat(k8s132.volumeContents()).extracting(VolumeImage::platform).containsExactly("linux/arm64");

    InstanceRuntime k8s133 = new InstanceRuntime(TestHost.k8s132().withKubernetes(33), catalog);
    ExecutionStatus ignored = run(k8s133, flagsLast);
    assertThat(ignored.exitCode()).isEqualTo(1);
    assertThat(ignored.stderr()).contains("401 Unauthorized");

    ExecutionStatus flagsFirst = run(k8s133, CTR + "pull --platform arm64 --user AWS:" + password + " " + PRIVATE);
    assertThat(flagsFirst.exitCode()).isZero();
    assertThat(flagsFirst.stdout()).startsWith(PRIVATE + "\tsaved\n").contains("Completed pull from OCI Registry (" + PRIVATE + ")");
  }

  @Test
  void repeatedPullIsFastAndIdempotent() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    Execution first = runtime.start(pull(LLAMA, ""), 0);
    long firstDone = finishTime(first, 0);
    long usedAfterFirst = runtime.usedBytes();
    Execution again = runtime.start(pull(LLAMA, ""), firstDone);
    long againDone = finishTime(again, firstDone);

    assertThat(firstDone).isGreaterThan(100_000);
    assertThat(againDone - firstDone).isLessThan(2_000);
    assertThat(runtime.volumeContents()).hasSize(1);
    assertThat(runtime.usedBytes()).isEqualTo(usedAfterFirst);
  }

  /** Two 10 GB single-layer images that unpack to their own size and share nothing. */
  private static RegistryCatalog twins(Path dir) throws IOException {
    Path file = dir.resolve("twins.yaml");
    Files.writeString(file, "images:\n  docker.io/test/a:1: {linux/amd64: 10 GB}\n  docker.io/test/b:1: {linux/amd64: 10 GB}\n");
    return RegistryCatalog.load(file);
  }

  private static long millis(double bytes, double bytesPerSecond) {
    return (long) Math.ceil(bytes / bytesPerSecond * 1000);
  }

  @Test
  void concurrentPullsShareTheInstanceBandwidth(@TempDir Path dir) throws IOException {
    // 200 MB/s network, below the 150 MB/s per-connection cap × 2: one pull alone is capped at 150 MB/s,
    // two together get 100 MB/s each. containerd 1.7 then unpacks each at the single-stream rate.
    RegistryCatalog twins = twins(dir);
    TestHost host = TestHost.k8s132().withNetwork(200 * MB);
    long unpack = millis(10 * GB, PullTraffic.UNPACK_BYTES_PER_SECOND);
    long single = finishTime(new InstanceRuntime(host, twins).start(pull("docker.io/test/a:1", ""), 0), 0);
    assertThat(single).isCloseTo(SHELTIE_AND_RESOLVE + millis(10 * GB, 150 * MB) + unpack, within(20L));

    InstanceRuntime together = new InstanceRuntime(host, twins);
    Execution a = together.start(pull("docker.io/test/a:1", ""), 0);
    Execution b = together.start(pull("docker.io/test/b:1", ""), 0);
    long pairDone = Math.max(finishTime(a, 0), finishTime(b, 0));
    assertThat(pairDone).isCloseTo(SHELTIE_AND_RESOLVE + millis(20 * GB, 200 * MB) + unpack, within(20L));
  }

  @Test
  void equalPullsOnATightNetworkFetchInTwiceTheSingleTime(@TempDir Path dir) throws IOException {
    RegistryCatalog twins = twins(dir);
    TestHost host = TestHost.k8s132().withNetwork(100 * MB);
    long single = finishTime(new InstanceRuntime(host, twins).start(pull("docker.io/test/a:1", ""), 0), 0);
    InstanceRuntime together = new InstanceRuntime(host, twins);
    Execution a = together.start(pull("docker.io/test/a:1", ""), 0);
    Execution b = together.start(pull("docker.io/test/b:1", ""), 0);
    long pair = Math.max(finishTime(a, 0), finishTime(b, 0));
    assertThat(pair - single).isCloseTo(millis(10 * GB, 100 * MB), within(20L)); // the second 10 GB at 100 MB/s
  }

  @Test
  void interruptAllFailsRunningPullsAndLeavesWhatTheyCompleted() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    Execution pulling = runtime.start(pull(LLAMA, ""), 0);
    assertThat(pulling.poll(30_000).state()).isEqualTo(State.IN_PROGRESS);
    long usedWhilePulling = runtime.usedBytes();

    runtime.interruptAll(30_000);
    assertThat(pulling.poll(40_000).state()).isEqualTo(State.FAILED);
    assertThat(runtime.volumeContents()).isEmpty();
    assertThat(run(runtime, CTR + "ls -q").stdout()).isEmpty();
    List<CatalogImage.Layer> layers = catalog.find(LLAMA).orElseThrow().platform("amd64").orElseThrow().layers();
    String blobs = run(runtime, "apiclient exec admin sheltie ctr -n k8s.io content ls -q").stdout();
    assertThat(blobs).contains(layers.get(0).digest()).doesNotContain(layers.get(1).digest());
    assertThat(runtime.usedBytes()).isPositive().isEqualTo(usedWhilePulling); // the base, documents, partial ingests
  }

  @Test
  void cancelStopsACommand() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    Execution pulling = runtime.start(pull(LLAMA, ""), 0);
    pulling.cancel(5_000);
    assertThat(pulling.poll(LONG_AFTER).state()).isEqualTo(State.CANCELLED);
    assertThat(runtime.volumeContents()).isEmpty();
  }

  @Test
  void injectedFaultsFailMatchingPulls() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    runtime.failPullsMatching(Pattern.compile("modelcar"), "failed to copy: httpReadSeeker: failed open: unexpected status code 503");
    ExecutionStatus status = run(runtime, pull(LLAMA, "") + "\n" + pull(BUSYBOX, ""));
    assertThat(status.exitCode()).isZero(); // the script goes on; the last command succeeded
    assertThat(status.stderr()).isEqualTo("ctr: failed to copy: httpReadSeeker: failed open: unexpected status code 503\n");
    assertThat(runtime.volumeContents()).extracting(VolumeImage::image).containsExactly(BUSYBOX);
  }

  @Test
  void andChainsAndSetEStopAtTheFirstFailure() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    assertThat(run(runtime, "false && echo skipped; echo ran").stdout()).isEqualTo("ran\n");
    assertThat(run(runtime, "false || echo recovered").stdout()).isEqualTo("recovered\n");
    ExecutionStatus errexit = run(runtime, "set -euo pipefail\nfalse\necho never");
    assertThat(errexit.exitCode()).isEqualTo(1);
    assertThat(errexit.stdout()).isEmpty();
  }

  @Test
  void quotingKeepsWordsTogether() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    assertThat(run(runtime, "echo 'a  b' \"c \\\"d\\\"\" e\\ f 'it'\\''s'").stdout()).isEqualTo("a  b c \"d\" e f it's\n");
    ExecutionStatus quoted = run(runtime, "apiclient exec admin sheltie sh -c '" + CTR.substring(28)
        + "pull --label \"io.cri-containerd.image=managed\" " + BUSYBOX + " && ctr -n k8s.io images ls -q'");
    assertThat(quoted.exitCode()).isZero();
    assertThat(quoted.stdout()).endsWith("\n" + BUSYBOX + "\n");
    assertThat(run(runtime, "echo 'unterminated").stderr()).isEqualTo("sh: line 1: unexpected EOF while looking for matching `''\n");
  }

  @Test
  void restoredVolumeHoldsTheSnapshottedImages() {
    InstanceRuntime builder = new InstanceRuntime(TestHost.k8s132(), catalog);
    run(builder, pull(BUSYBOX, "--all-platforms"));
    InstanceRuntime restored = new InstanceRuntime(TestHost.k8s132(), catalog, builder.volumeContents());
    assertThat(restored.volumeContents()).isEqualTo(builder.volumeContents());
    assertThat(run(restored, CTR + "ls -q").stdout()).isEqualTo(BUSYBOX + "\n");
  }

  @Test
  void otherCommandsTakeAFractionOfASecond() {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), catalog);
    Execution stop = runtime.start("apiclient exec admin sheltie systemctl stop kubelet", 0);
    assertThat(stop.poll(500).state()).isEqualTo(State.IN_PROGRESS);
    assertThat(stop.poll(1_100).state()).isEqualTo(State.SUCCESS);
    assertThat(List.of(PullJob.goDuration(850), PullJob.goDuration(2_500), PullJob.goDuration(62_050)))
        .containsExactly("850ms", "2.5s", "1m2.05s");
  }
}
