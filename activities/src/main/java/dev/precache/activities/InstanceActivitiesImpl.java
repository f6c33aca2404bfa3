package dev.precache.activities;

import dev.precache.activities.CommandRunner.Repeats;
import dev.precache.activities.Containerd.ListedImage;
import dev.precache.activities.RegistryCredentials.EcrRegistry;
import dev.precache.workflows.BuildFailures;
import dev.precache.workflows.BuildIdentity;
import dev.precache.workflows.BuildTimeouts;
import dev.precache.workflows.CachedImage;
import dev.precache.workflows.InstanceActivities;
import dev.precache.workflows.ImageReference;
import dev.precache.workflows.InstanceCapacity;
import dev.precache.workflows.ResolvedImage;
import dev.precache.workflows.VolumeUsage;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.StopInstancesRequest;
import software.amazon.awssdk.services.ssm.model.DescribeInstanceInformationRequest;
import software.amazon.awssdk.services.ssm.model.InstanceInformation;
import software.amazon.awssdk.services.ssm.model.InstanceInformationStringFilter;
import software.amazon.awssdk.services.ssm.model.PingStatus;

/** The build instance: SSM Run Command into Bottlerocket's admin container, and EC2 stop. */
public final class InstanceActivitiesImpl implements InstanceActivities {

  private static final Logger log = LoggerFactory.getLogger(InstanceActivitiesImpl.class);

  /** Commands may run until shortly before their activity's start-to-close timeout. */
  private static final Duration COMMAND_MARGIN = Duration.ofMinutes(5);
  static final Duration SHORT_COMMAND_TIMEOUT =
      BuildTimeouts.RUN_COMMAND.getStartToCloseTimeout().minus(COMMAND_MARGIN);
  static final Duration PULL_TIMEOUT = BuildTimeouts.PULL_IMAGE.getStartToCloseTimeout().minus(COMMAND_MARGIN);

  private final AwsClients clients;
  private final CommandRunner commands;
  private final RegistryCredentials credentials;
  private final Polling polling;
  private final InstanceTypeLookup instanceTypes;
  private final DockerConfig logins;

  /** @param pollInterval how often commands, SSM registration and instance state are read (5 s in production) */
  public InstanceActivitiesImpl(AwsClients clients, Duration pollInterval) {
    this(clients, pollInterval, DockerConfig.empty());
  }

  /** @param logins the worker's logins of private registries other than ECR, parked for the pulls that need one */
  public InstanceActivitiesImpl(AwsClients clients, Duration pollInterval, DockerConfig logins) {
    this.logins = logins;
    this.clients = clients;
    this.commands = new CommandRunner(clients, pollInterval);
    this.polling = new Polling(pollInterval);
    this.credentials = new RegistryCredentials(clients, polling);
    this.instanceTypes = new InstanceTypeLookup(clients, polling);
  }

  @Override
  public void awaitSsmOnline(String region, String instanceId) {
    DescribeInstanceInformationRequest request = DescribeInstanceInformationRequest.builder()
        .filters(InstanceInformationStringFilter.builder().key("InstanceIds").values(instanceId).build())
        .build();
    Polling.Wait wait = polling.newWait();
    try {
      while (true) {
        List<InstanceInformation> found = polling.untilAnswered("describe SSM registration of " + instanceId,
            "NotRegistered", () -> clients.ssm(region).describeInstanceInformation(request).instanceInformationList());
        PingStatus ping = found.isEmpty() ? null : found.get(0).pingStatus();
        if (ping == PingStatus.ONLINE) {
          log.info("SSM agent on {} is online", instanceId);
          return;
        }
        wait.pause(ping == null ? "NotRegistered" : ping.toString());
      }
    } catch (SdkException e) {
      throw AwsFailures.classify("wait for SSM on " + instanceId, e);
    }
  }

  @Override
  public void stopKubelet(String region, String instanceId) {
    runShort(region, instanceId, "stop kubelet", Containerd.STOP_KUBELET, Repeats.HARMLESS);
  }

  @Override
  public void removeCachedImages(String region, String instanceId) {
    // A twin still running when the pulls begin could remove what they pulled.
    runShort(region, instanceId, "remove cached images", Containerd.REMOVE_ALL_IMAGES, Repeats.ONCE);
  }

  @Override
  public void stopKubeletAndRemoveImages(String region, String instanceId) {
    // Once, as removeCachedImages: a twin still running when the pulls begin could remove what they pulled.
    runShort(region, instanceId, "stop kubelet and remove cached images", Containerd.STOP_KUBELET_AND_REMOVE_ALL_IMAGES,
        Repeats.ONCE);
  }

  @Override
  public PreparedVolume keepOnlyImages(KeepSpec spec) {
    String region = spec.region();
    String instanceId = spec.instanceId();
    List<String> removed = Containerd.parseImageNames(runShort(region, instanceId, "list the restored images",
            Containerd.LIST_IMAGE_NAMES, Repeats.HARMLESS)).stream()
        .filter(name -> !spec.keep().contains(name))
        .sorted()
        .toList();
    List<List<String>> batches = Containerd.batches(spec.layerDigests(), Containerd.BLOBS_PER_LISTING);
    // Two content listings (~14,400 characters) and the rest stay within SSM's 24,000 characters of output.
    boolean together = batches.size() <= 2;
    List<String> commands = new ArrayList<>();
    if (!removed.isEmpty()) {
      commands.add(Containerd.removeImages(removed));
    }
    if (together) {
      batches.forEach(batch -> commands.add(Containerd.listContent(batch)));
    }
    commands.add(Containerd.VOLUME_USAGE);
    List<String> sections = Containerd.sections(runShort(region, instanceId,
        "remove " + removed.size() + " image(s) no longer wanted", Containerd.inOneCommand(commands),
        removed.isEmpty() ? Repeats.HARMLESS : Repeats.ONCE));
    if (sections.size() != commands.size()) {
      throw ApplicationFailure.newNonRetryableFailure("prepare " + instanceId + ": expected " + commands.size()
          + " sections of output, got " + sections.size(), BuildFailures.COMMAND_FAILED);
    }
    Set<String> present = new HashSet<>();
    int first = removed.isEmpty() ? 0 : 1;
    if (together) {
      sections.subList(first, first + batches.size()).forEach(section -> present.addAll(Containerd.parseContentList(section)));
    } else {
      for (int i = 0; i < batches.size(); i++) {
        present.addAll(Containerd.parseContentList(runShort(region, instanceId,
            "list the layers already on the volume" + batchSuffix(i), Containerd.listContent(batches.get(i)),
            Repeats.HARMLESS)));
      }
    }
    VolumeUsage usage = Containerd.parseVolumeUsage(sections.get(sections.size() - 1));
    List<String> presentLayers = spec.layerDigests().stream().filter(present::contains).toList();
    log.info("{}: removed {}; {} of {} layers already on the volume", instanceId, removed, presentLayers.size(),
        spec.layerDigests().size());
    return new PreparedVolume(removed, presentLayers, usage);
  }

  /**
   * Pulls one image × platform. From ECR, the pull command gets the password on the instance with the instance role
   * ({@link Containerd#pull}). From another registry the worker has a login for, the login is parked for this pull
   * alone as a SecureString under the build's credentials path, read by the command on the instance with the
   * instance role ({@link Containerd#pullWithParameterLogin}) and deleted when the pull ends, whatever its outcome;
   * one the worker could not delete (it died, SSM refused) is teardown's to sweep. Anything else is pulled
   * anonymously.
   */
  @Override
  public CachedImage pullImage(PullSpec spec) {
    String step = "pull " + spec.image() + " for " + spec.platform();
    String host = ImageReference.parse(spec.image()).registry();
    Optional<RegistryLogin> login = EcrRegistry.ofHost(host).isPresent() ? Optional.empty() : logins.loginFor(host);
    if (login.isEmpty()) {
      boolean ecr = EcrRegistry.ofHost(host).isPresent();
      return pull(spec, step, () -> Containerd.pullAndList(spec.image(), spec.platform(), ecr,
          spec.clientSide()));
    }
    String parameter = loginParameterName(spec.identity(), host, spec.image(), spec.platform());
    credentials.park(spec.region(), parameter, spec.identity().buildId(), login.get(), heartbeatDetails());
    try {
      return pull(spec, step,
          () -> Containerd.pullWithParameterLoginAndList(spec.image(), spec.platform(), spec.region(), parameter,
              spec.clientSide()));
    } finally {
      try {
        credentials.unpark(spec.region(), parameter, heartbeatDetails());
      } catch (ApplicationFailure e) {
        log.warn("{}: could not delete {} ({}); teardown deletes it", step, parameter, e.getOriginalMessage());
      }
    }
  }

  /** What the pull heartbeated last, or an earlier attempt did: heartbeated again while a login is (un)parked. */
  private static Object heartbeatDetails() {
    return Activity.getExecutionContext().getHeartbeatDetails(Object.class).orElse(null);
  }

  /**
   * {@code <credentials path>registry/<host>/<pull>}: one parameter per pull, so pulls from one registry in parallel
   * never delete each other's; a retried pull overwrites its own. A port's colon, not allowed in a parameter name,
   * becomes an underscore.
   */
  static String loginParameterName(BuildIdentity identity, String host, String image, String platform) {
    String pull = HexFormat.of().formatHex(sha256(image + " " + platform)).substring(0, 16);
    return identity.credentialsPath() + "registry/" + host.replace(':', '_') + "/" + pull;
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  private CachedImage pull(PullSpec spec, String step, Supplier<String> command) {
    // Heartbeats how far the pull is when the build said which layers it holds (InstanceActivities.PullProgress).
    CommandRunner.PollDetails details = spec.layers() == null ? CommandRunner.COMMAND_ID
        : new PullProbe(clients.ssm(spec.region()), spec, polling.interval().multipliedBy(PullProbe.POLLS_PER_PROBE))::poll;
    try {
      String output = commands.run(spec.region(), spec.instanceId(), step, command, PULL_TIMEOUT, Repeats.ONCE,
          details);
      CachedImage pulled = Containerd.parseImageList(output).stream()
          .filter(listed -> listed.ref().equals(spec.image()) && listed.hasPlatform(spec.platform()))
          .findFirst()
          .map(listed -> new CachedImage(spec.image(), spec.platform(), listed.digest(), listed.sizeBytes()))
          .orElseGet(() -> {
            // SSM keeps the first 24,000 characters of the output: a pull that printed more cut its listing off.
            log.info("{}: the image's listing is not in the command's output; listing it apart", step);
            return cachedImages(spec.region(), spec.instanceId(), "list images after " + step,
                List.of(spec.image()), List.of(spec.platform())).get(0);
          });
      log.info("Pulled {}", pulled);
      return pulled;
    } catch (SdkException e) {
      throw AwsFailures.classify(step, e);
    }
  }

  @Override
  public List<CachedImage> verifyCachedImages(VerifySpec spec) {
    List<CachedImage> cached = cachedImages(
        spec.region(), spec.instanceId(), "list images to verify", spec.images(), spec.platforms());
    log.info("Verified {} image(s) on {}", cached.size(), spec.instanceId());
    return cached;
  }

  @Override
  public VerifiedVolume verifyResolvedImages(ResolvedVerifySpec spec) {
    String region = spec.region();
    String instanceId = spec.instanceId();
    List<String> imageNames = spec.images().stream().map(ResolvedImage::image).distinct().toList();
    List<String> allBlobs = new ArrayList<>();
    for (ResolvedImage image : spec.images()) {
      allBlobs.add(image.manifestDigest());
      allBlobs.add(image.configDigest());
      image.layers().forEach(layer -> allBlobs.add(layer.digest()));
    }
    List<String> distinctBlobs = allBlobs.stream().distinct().toList();
    List<ListedImage> listed;
    Set<String> content = new HashSet<>();
    VolumeUsage usage;
    if (imageNames.size() <= Containerd.IMAGES_PER_LISTING && distinctBlobs.size() <= Containerd.BLOBS_PER_LISTING) {
      // Images, content and the volume's use fit in one command's output: one round trip, not three.
      List<String> sections = Containerd.sections(runShort(region, instanceId, "verify content and measure the volume",
          Containerd.inOneCommand(List.of(Containerd.listImages(imageNames), Containerd.listContent(distinctBlobs),
              Containerd.VOLUME_USAGE)), Repeats.HARMLESS));
      if (sections.size() != 3) {
        throw ApplicationFailure.newNonRetryableFailure("verify on " + instanceId + ": expected 3 sections of output,"
            + " got " + sections.size(), BuildFailures.IMAGE_MISSING);
      }
      listed = Containerd.parseImageList(sections.get(0));
      content.addAll(Containerd.parseContentList(sections.get(1)));
      usage = Containerd.parseVolumeUsage(sections.get(2));
    } else {
      listed = listImages(region, instanceId, "list images to verify content", imageNames);
      List<List<String>> blobBatches = Containerd.batches(distinctBlobs, Containerd.BLOBS_PER_LISTING);
      for (int i = 0; i < blobBatches.size(); i++) {
        content.addAll(Containerd.parseContentList(runShort(region, instanceId,
            "list content to verify" + batchSuffix(i), Containerd.listContent(blobBatches.get(i)), Repeats.HARMLESS)));
      }
      usage = Containerd.parseVolumeUsage(runShort(region, instanceId, "measure the volume", Containerd.VOLUME_USAGE,
          Repeats.HARMLESS));
    }
    List<CachedImage> verified = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (ResolvedImage image : spec.images()) {
      String what = image.image() + " (" + image.platform() + ")";
      Optional<ListedImage> found = listed.stream().filter(l -> l.ref().equals(image.image())).findFirst();
      if (found.isEmpty()) {
        problems.add(what + ": no image of that name");
        continue;
      }
      if (!found.get().digest().equals(image.digest())) {
        problems.add(what + ": holds " + found.get().digest() + ", resolved " + image.digest());
      }
      if (!found.get().labels().contains(Containerd.PINNED_LABEL)) {
        problems.add(what + ": not labelled " + Containerd.PINNED_LABEL);
      }
      List<String> blobs = new ArrayList<>(List.of(image.manifestDigest(), image.configDigest()));
      image.layers().forEach(layer -> blobs.add(layer.digest()));
      long absent = blobs.stream().filter(blob -> !content.contains(blob)).count();
      if (absent > 0) {
        problems.add(what + ": " + absent + " of " + blobs.size() + " blobs (manifest, config, layers) not in the "
            + "content store, first " + blobs.stream().filter(blob -> !content.contains(blob)).findFirst().get());
      }
      // The platform's compressed bytes as resolved, exact; ctr's SIZE column is rounded and for one platform only.
      verified.add(new CachedImage(image.image(), image.platform(), found.get().digest(), image.compressedBytes()));
    }
    if (!problems.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "not as resolved on " + instanceId + ": " + String.join("; ", problems), BuildFailures.IMAGE_MISSING);
    }
    log.info("Verified {} image(s) on {}; volume {} of {} bytes used", verified.size(), instanceId,
        usage.usedBytes(), usage.sizeBytes());
    return new VerifiedVolume(verified, usage);
  }

  /**
   * Each image × platform as containerd lists it; any missing is a non-retryable failure naming them all.
   *
   * @param step names this listing apart from the build's other listings (see {@link CommandRunner#run})
   */
  private List<CachedImage> cachedImages(
      String region, String instanceId, String step, List<String> images, List<String> platforms) {
    List<ListedImage> listed = listImages(region, instanceId, step, images);
    List<CachedImage> cached = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String image : images) {
      Optional<ListedImage> found = listed.stream().filter(l -> l.ref().equals(image)).findFirst();
      for (String platform : platforms) {
        if (found.isPresent() && found.get().hasPlatform(platform)) {
          cached.add(new CachedImage(image, platform, found.get().digest(), found.get().sizeBytes()));
        } else {
          missing.add(image + " (" + platform + ")");
        }
      }
    }
    if (!missing.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "not cached on " + instanceId + ": " + String.join(", ", missing), BuildFailures.IMAGE_MISSING);
    }
    return cached;
  }

  @Override
  public ImageCheck checkImages(ImageCheckSpec spec) {
    if (spec.images().size() > Containerd.IMAGES_PER_LISTING) {
      // SSM keeps 24,000 characters of output: more images would cut the listing off (see Containerd).
      throw ApplicationFailure.newNonRetryableFailure("a probe checks at most " + Containerd.IMAGES_PER_LISTING
          + " images in its one timed command, got " + spec.images().size(), BuildFailures.INVALID_REQUEST);
    }
    String step = "check " + spec.images().size() + " images on the restored volume";
    try {
      CommandRunner.TimedOutput output = commands.runTimed(spec.region(), spec.instanceId(), step,
          () -> Containerd.checkAndList(spec.images()), SHORT_COMMAND_TIMEOUT, Repeats.ONCE);
      List<String> sections = Containerd.sections(output.stdout());
      if (sections.size() != 2) {
        throw ApplicationFailure.newNonRetryableFailure(step + " on " + spec.instanceId()
            + ": expected 2 sections of output, got " + sections.size(), BuildFailures.COMMAND_FAILED);
      }
      List<ListedImage> listed = Containerd.parseImageList(sections.get(1));
      List<CheckedImage> checked = Containerd.parseImageCheck(sections.get(0)).stream()
          .map(line -> new CheckedImage(line.ref(), line.digest(), line.status(), line.unpacked(),
              listed.stream().filter(image -> image.ref().equals(line.ref())).findFirst()
                  .map(ListedImage::labels).orElse(List.of())))
          .toList();
      log.info("Checked {} image(s) on {} in {} ms", checked.size(), spec.instanceId(), output.executedMillis());
      return new ImageCheck(checked, output.executedMillis());
    } catch (SdkException e) {
      throw AwsFailures.classify(step, e);
    }
  }

  @Override
  public ReadSample readSample(ReadSampleSpec spec) {
    long mebibytes = Math.max(1, spec.bytes() >> 20);
    String step = "read " + mebibytes + " MiB of the restored volume";
    try {
      CommandRunner.TimedOutput output = commands.runTimed(spec.region(), spec.instanceId(), step,
          () -> Containerd.readDataVolume(mebibytes), SHORT_COMMAND_TIMEOUT, Repeats.ONCE);
      log.info("Read {} MiB of {}'s data volume in {} ms", mebibytes, spec.instanceId(), output.executedMillis());
      return new ReadSample(mebibytes << 20, output.executedMillis());
    } catch (SdkException e) {
      throw AwsFailures.classify(step, e);
    }
  }

  @Override
  public void stopInstance(String region, String instanceId) {
    Ec2Client ec2 = clients.ec2(region);
    try {
      StopInstancesRequest stop = stopRequest(instanceId, Activity.getExecutionContext().getInfo().getAttempt());
      polling.untilAnswered("stop " + instanceId, "StopInstances", () -> ec2.stopInstances(stop));
      log.info("Stopping {}", instanceId);
      DescribeInstancesRequest describe = DescribeInstancesRequest.builder().instanceIds(instanceId).build();
      Polling.Wait wait = polling.newWait();
      while (true) {
        InstanceStateName state = polling.untilAnswered("describe " + instanceId, "stopping",
            () -> ec2.describeInstances(describe).reservations().get(0).instances().get(0).state().name());
        if (state == InstanceStateName.STOPPED) {
          log.info("{} is stopped", instanceId);
          return;
        }
        if (state == InstanceStateName.TERMINATED || state == InstanceStateName.SHUTTING_DOWN) {
          throw ApplicationFailure.newNonRetryableFailure(
              "instance " + instanceId + " is " + state + " instead of stopping", BuildFailures.INSTANCE_FAILED);
        }
        wait.pause(state.toString());
      }
    } catch (SdkException e) {
      throw AwsFailures.classify("stop " + instanceId, e);
    }
  }

  /** A retried stop forces it: the first, graceful one did not get the instance stopped in time. */
  static StopInstancesRequest stopRequest(String instanceId, int attempt) {
    return StopInstancesRequest.builder().instanceIds(instanceId).force(attempt > 1).build();
  }

  @Override
  public InstanceCapacity.Family describeInstanceCapacity(String region, String instanceType) {
    return instanceTypes.describe(region, instanceType);
  }

  @Override
  public void deleteRegistryCredentials(String region, BuildIdentity identity) {
    try {
      credentials.removeAll(region, identity.credentialsPath());
    } catch (SdkException e) {
      throw AwsFailures.classify("delete registry credentials of " + identity.buildId(), e);
    }
  }

  /** {@code images} as ctr lists them, a batch per command; a batch's step is {@code step} and its number. */
  private List<ListedImage> listImages(String region, String instanceId, String step, List<String> images) {
    List<ListedImage> listed = new ArrayList<>();
    List<List<String>> batches = Containerd.batches(images, Containerd.IMAGES_PER_LISTING);
    for (int i = 0; i < batches.size(); i++) {
      listed.addAll(Containerd.parseImageList(
          runShort(region, instanceId, step + batchSuffix(i), Containerd.listImages(batches.get(i)), Repeats.HARMLESS)));
    }
    return listed;
  }

  /** Nothing for the first batch, so a build of few images names its steps as before. */
  private static String batchSuffix(int batch) {
    return batch == 0 ? "" : " (batch " + (batch + 1) + ")";
  }

  private String runShort(String region, String instanceId, String step, String command, Repeats repeats) {
    try {
      return commands.run(region, instanceId, step, () -> command, SHORT_COMMAND_TIMEOUT, repeats);
    } catch (SdkException e) {
      throw AwsFailures.classify(step, e);
    }
  }
}
