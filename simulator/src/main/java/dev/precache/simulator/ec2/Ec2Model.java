package dev.precache.simulator.ec2;

import dev.precache.simulator.AwsException;
import dev.precache.simulator.instance.InstanceAwsCalls;
import dev.precache.simulator.RegionContext;
import dev.precache.simulator.instance.ContainerRuntimeSettings;
import dev.precache.simulator.instance.InstanceRuntime;
import dev.precache.simulator.instance.VolumeImage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** EC2 state of one region: instances, volumes, snapshots, launch templates. */
public final class Ec2Model {
    // Public for the benchmark's lower bound, which is derived from the simulator's own time model.
    /** pending → running; CloudFormation reports the instance 5 s later (CREATE_MILLIS: 35 s). An estimate. */
    public static final long PENDING_MILLIS = 30_000;
    /**
     * The SSM agent registers 10 s after the instance runs, 5 s after the stack completes: FIGURES.md records
     * 1 s (ai-on-eks preload-container-images.md) and 8 s (bottlerocket-images-cache#4) after the stack.
     */
    public static final long AGENT_REGISTRATION_MILLIS = 10_000;
    /** Stopping took 49 s in the one published snapshot.sh run (FIGURES.md, ai-on-eks); a single observation. */
    public static final long STOP_MILLIS = 49_000;
    /** Estimates, no public measurement: a forced stop skips the guest's shutdown, so it is the quicker. */
    static final long FORCED_STOP_MILLIS = 10_000;
    static final long TERMINATE_MILLIS = 30_000;
    private static final int DEFAULT_ROOT_GIB = 2;
    private static final int DEFAULT_DATA_GIB = 20;

    private final RegionContext context;
    private final BottlerocketImages images;
    private final InstanceAwsCalls instanceCalls;
    private final Map<String, Instance> instances = new LinkedHashMap<>();
    private final Map<String, Volume> volumes = new LinkedHashMap<>();
    /** Accounts a snapshot's createVolumePermission names, by snapshot ID. */
    private final Map<String, Set<String>> volumePermissions = new LinkedHashMap<>();
    private final Map<String, Snapshot> snapshots = new LinkedHashMap<>();
    private final Map<String, LaunchTemplate> launchTemplates = new LinkedHashMap<>();
    private final FastSnapshotRestores fastSnapshotRestores = new FastSnapshotRestores();

    /** @param instanceCalls the AWS APIs programs on this region's instances reach with their role */
    public Ec2Model(RegionContext context, BottlerocketImages images, InstanceAwsCalls instanceCalls) {
        this.context = context;
        this.images = images;
        this.instanceCalls = instanceCalls;
    }

    public String availabilityZone() {
        return context.region() + "a";
    }

    public List<String> availabilityZones() {
        return List.of(context.region() + "a", context.region() + "b", context.region() + "c");
    }

    // ---- instances ----

    public Instance launch(LaunchSpec spec, long now) {
        BottlerocketImages.Image image = images.byImageId(spec.imageId()).orElseThrow(() -> new AwsException(
                "InvalidAMIID.NotFound", "The image id '[" + spec.imageId() + "]' does not exist"));
        InstanceTypes.InstanceType type = InstanceTypes.get(spec.instanceType());
        if (!type.architecture().equals(image.architecture())) {
            throw new AwsException("InvalidParameterValue", "The architecture '" + type.architecture()
                    + "' of the specified instance type does not match the architecture '" + image.architecture()
                    + "' of the specified AMI.");
        }
        String instanceId = context.ids().next("i");
        Instant launchTime = Instant.ofEpochMilli(now);
        List<BlockDevice> devices = withDefaultDevices(spec.blockDevices());
        List<VolumeImage> restored = List.of();
        for (BlockDevice device : devices) {
            checkInitializationRate(device);
            if (device.snapshotId() != null) {
                List<VolumeImage> contents = restorableContents(device, now);
                if (device.deviceName().equals(Instance.DATA_DEVICE)) {
                    restored = contents;
                }
            }
        }
        List<Volume> attached = new ArrayList<>();
        for (BlockDevice device : devices) {
            Volume volume = new Volume(context.ids().next("vol"), device, availabilityZone(), launchTime,
                    initialization(device, availabilityZone(), now));
            volume.attachment = new Volume.Attachment(instanceId, device.deviceName(), launchTime,
                    device.deleteOnTermination());
            volume.tags.putAll(spec.volumeTags());
            volumes.put(volume.id, volume);
            attached.add(volume);
        }
        Instance instance = new Instance(instanceId, context.ids().next("r"), image, type, availabilityZone(),
                spec.subnetId(), spec.instanceProfileArn(), launchTime, privateIp(instances.size()), attached,
                ContainerRuntimeSettings.fromUserData(spec.userData()));
        instance.tags.putAll(spec.tags());
        instance.runtime = new InstanceRuntime(instance, context.catalog(), restored,
                context.iam().instanceRole(context.accountId(), spec.instanceProfileArn(), instanceId), instanceId,
                instanceCalls);
        instance.runtime.useRegistryFailures(host -> context.faults().registryFailureStatus(host));
        context.faults().pullFailures().forEach(f ->
                instance.runtime.failPullsMatching(Pattern.compile(f.pattern()), f.message()));
        instances.put(instanceId, instance);
        context.timeline().at(now + PENDING_MILLIS, at -> becomeRunning(instance, at));
        return instance;
    }

    /**
     * What a volume created from the device's snapshot holds. EC2 refuses a snapshot that is not yet completed
     * and a volume smaller than the snapshot's volume ("Volume of size 8GB is smaller than snapshot 'snap-…',
     * expect size >= 100GB"), before launching anything.
     */
    private List<VolumeImage> restorableContents(BlockDevice device, long now) {
        Snapshot snapshot = snapshot(device.snapshotId());
        if (!snapshot.progress(now).status().equals("completed")) {
            throw new AwsException("IncorrectState", "Snapshot '" + snapshot.id() + "' is not 'completed'.");
        }
        if (device.sizeGiB() < snapshot.volumeSizeGiB()) {
            throw new AwsException("InvalidParameterValue", "Volume of size " + device.sizeGiB()
                    + "GB is smaller than snapshot '" + snapshot.id() + "', expect size >= "
                    + snapshot.volumeSizeGiB() + "GB");
        }
        return snapshot.contents();
    }

    /**
     * {@code VolumeInitializationRate} is "supported only for volumes created from snapshots" in "100 - 300 MiB/s"
     * (EC2 API Reference, EbsBlockDevice). The wording of EC2's refusal is the simulator's.
     */
    private static void checkInitializationRate(BlockDevice device) {
        Integer rate = device.volumeInitializationRate();
        if (rate == null) {
            return;
        }
        if (device.snapshotId() == null) {
            throw new AwsException("InvalidParameterCombination", "The parameter volumeInitializationRate is only "
                    + "supported for volumes created from a snapshot (device " + device.deviceName() + ").");
        }
        if (rate < VolumeInitialization.MIN_RATE_MIBPS || rate > VolumeInitialization.MAX_RATE_MIBPS) {
            throw new AwsException("InvalidParameterValue", "Value (" + rate + ") for parameter "
                    + "volumeInitializationRate is invalid. Valid range: " + VolumeInitialization.MIN_RATE_MIBPS
                    + " - " + VolumeInitialization.MAX_RATE_MIBPS + " MiB/s.");
        }
    }

    private VolumeInitialization initialization(BlockDevice device, String zone, long now) {
        if (device.snapshotId() == null) {
            return VolumeInitialization.empty(now);
        }
        Snapshot snapshot = snapshot(device.snapshotId());
        boolean fast = device.volumeInitializationRate() == null
                && fastSnapshotRestores.restoresFast(snapshot.id(), zone, now);
        return VolumeInitialization.fromSnapshot(snapshot.bytes(), now, device.volumeInitializationRate(), fast);
    }

    private static List<BlockDevice> withDefaultDevices(List<BlockDevice> requested) {
        List<BlockDevice> devices = new ArrayList<>(requested);
        if (devices.stream().noneMatch(d -> d.deviceName().equals("/dev/xvda"))) {
            devices.add(0, new BlockDevice("/dev/xvda", DEFAULT_ROOT_GIB, "gp3", 3000, 125, false, null, true));
        }
        if (devices.stream().noneMatch(d -> d.deviceName().equals(Instance.DATA_DEVICE))) {
            devices.add(new BlockDevice(Instance.DATA_DEVICE, DEFAULT_DATA_GIB, "gp3", 3000, 125, false, null, true));
        }
        return devices;
    }

    private static String privateIp(int ordinal) {
        return "10.0." + (ordinal / 250) + "." + (ordinal % 250 + 4);
    }

    private void becomeRunning(Instance instance, long at) {
        if (instance.state != InstanceState.PENDING) {
            return;
        }
        instance.state = InstanceState.RUNNING;
        instance.runtime.boot(at);
        // Bottlerocket's NVIDIA variant never brings its agent up without a GPU: a real trap of snapshot.sh.
        boolean agentCanStart = !context.faults().instanceNeverOnline() && !(instance.image.nvidia() && !instance.type.hasGpu());
        if (agentCanStart) {
            context.timeline().at(at + AGENT_REGISTRATION_MILLIS, online -> {
                if (instance.state == InstanceState.RUNNING) {
                    instance.agentRegistered = true;
                    instance.agentOnline = true;
                    instance.agentLastPingMillis = online;
                }
            });
        }
    }

    public Instance instance(String instanceId) {
        Instance instance = instances.get(instanceId);
        if (instance == null) {
            throw new AwsException("InvalidInstanceID.NotFound",
                    "The instance ID '" + instanceId + "' does not exist");
        }
        return instance;
    }

    public Optional<Instance> findInstance(String instanceId) {
        return Optional.ofNullable(instances.get(instanceId));
    }

    public List<Instance> instances(List<String> ids, Predicate<Instance> filter) {
        ids.forEach(this::instance);
        return instances.values().stream()
                .filter(i -> ids.isEmpty() || ids.contains(i.id))
                .filter(filter)
                .toList();
    }

    public record StateChange(String instanceId, InstanceState previous, InstanceState current) {}

    public List<StateChange> stop(List<String> ids, boolean force, long now) {
        ids.forEach(this::instance);
        List<StateChange> changes = new ArrayList<>();
        for (String id : ids) {
            Instance instance = instances.get(id);
            InstanceState previous = instance.state;
            if (previous == InstanceState.TERMINATED || previous == InstanceState.SHUTTING_DOWN) {
                throw new AwsException("IncorrectInstanceState", "The instance '" + id
                        + "' is not in a state from which it can be stopped.");
            }
            if (previous == InstanceState.PENDING || previous == InstanceState.RUNNING
                    || (previous == InstanceState.STOPPING && force)) {
                instance.state = InstanceState.STOPPING;
                instance.stateReason = "User initiated";
                disconnect(instance, now);
                // A stuck instance only yields to a forced stop.
                if (force || !context.faults().instanceStuckStopping()) {
                    context.timeline().at(now + (force ? FORCED_STOP_MILLIS : STOP_MILLIS), at -> {
                        if (instance.state == InstanceState.STOPPING) {
                            instance.state = InstanceState.STOPPED;
                        }
                    });
                }
            }
            changes.add(new StateChange(id, previous, instance.state));
        }
        return changes;
    }

    public List<StateChange> terminate(List<String> ids, long now) {
        ids.forEach(this::instance);
        List<StateChange> changes = new ArrayList<>();
        for (String id : ids) {
            Instance instance = instances.get(id);
            InstanceState previous = instance.state;
            if (previous != InstanceState.TERMINATED && previous != InstanceState.SHUTTING_DOWN) {
                instance.state = InstanceState.SHUTTING_DOWN;
                instance.stateReason = "User initiated";
                disconnect(instance, now);
                context.timeline().at(now + TERMINATE_MILLIS, at -> becomeTerminated(instance));
            }
            changes.add(new StateChange(id, previous, instance.state));
        }
        return changes;
    }

    private void disconnect(Instance instance, long now) {
        instance.agentOnline = false;
        instance.runtime.interruptAll(now);
    }

    private void becomeTerminated(Instance instance) {
        instance.state = InstanceState.TERMINATED;
        for (Volume volume : instance.volumes) {
            if (volume.attachment.deleteOnTermination()) {
                volumes.remove(volume.id);
            } else {
                volume.attachment = null;
            }
        }
    }

    // ---- volumes ----

    public List<Volume> volumes(List<String> ids, Predicate<Volume> filter) {
        for (String id : ids) {
            if (!volumes.containsKey(id)) {
                throw new AwsException("InvalidVolume.NotFound", "The volume '" + id + "' does not exist.");
            }
        }
        return volumes.values().stream().filter(v -> ids.isEmpty() || ids.contains(v.id)).filter(filter).toList();
    }

    /** DeleteVolume: only a volume attached to nothing ("VolumeInUse" otherwise, as EC2 answers). */
    public void deleteVolume(String volumeId) {
        Volume volume = volumes(List.of(volumeId), v -> true).get(0);
        if (volume.attachment != null) {
            throw new AwsException("VolumeInUse", "Volume " + volumeId + " is currently attached to "
                    + volume.attachment.instanceId());
        }
        volumes.remove(volumeId);
    }

    // ---- snapshots ----

    public Snapshot createSnapshot(String volumeId, String description, Map<String, String> tags, long now) {
        Volume volume = volumes(List.of(volumeId), v -> true).get(0);
        Optional<InstanceRuntime> runtime = Optional.ofNullable(volume.attachment)
                .filter(a -> a.device().equals(Instance.DATA_DEVICE))
                .map(a -> instances.get(a.instanceId()).runtime);
        var contents = runtime.map(InstanceRuntime::volumeContents).orElse(List.of());
        // A snapshot copies the blocks written: containerd's whole use of the volume, blobs and unpacked layers;
        // of a volume created from a snapshot, only those written since.
        long bytes = runtime.map(InstanceRuntime::usedBytes).orElse(0L);
        SnapshotBlocks blocks = SnapshotBlocks.of(volume.spec.snapshotId(),
                runtime.map(InstanceRuntime::writtenBytes).orElse(0L), bytes);
        Snapshot snapshot = new Snapshot(context.ids().next("snap"), volumeId, volume.spec.sizeGiB(), description,
                volume.spec.encrypted(), volume.spec.kmsKeyId(), Instant.ofEpochMilli(now),
                new LinkedHashMap<>(tags), List.copyOf(contents), bytes,
                now + Snapshot.durationMillis(blocks.storedBytes()), context.faults().snapshotError().orElse(null),
                blocks);
        snapshots.put(snapshot.id(), snapshot);
        return snapshot;
    }

    /**
     * CopySnapshot into this region: the source's contents and bytes, copied at the cross-region rate. EC2 copies
     * only a completed snapshot ("IncorrectState" otherwise); the copy is encrypted when asked or when its source is.
     */
    public Snapshot copySnapshot(Snapshot source, String description, boolean encrypted, String kmsKeyId,
                                 Map<String, String> tags, long now) {
        if (!source.progress(now).status().equals("completed")) {
            throw new AwsException("IncorrectState", "Snapshot " + source.id() + " is not in the completed state");
        }
        boolean copyEncrypted = encrypted || source.encrypted();
        Snapshot copy = new Snapshot(context.ids().next("snap"), "vol-ffffffff", source.volumeSizeGiB(), description,
                copyEncrypted, copyEncrypted ? (kmsKeyId != null ? kmsKeyId : "alias/aws/ebs") : null,
                Instant.ofEpochMilli(now), new LinkedHashMap<>(tags), source.contents(), source.bytes(),
                now + Snapshot.copyDurationMillis(source.bytes()), null,
                // "The first snapshot copy to another Region is always a full copy" (EBS User Guide, "Copy an
                // Amazon EBS snapshot"): the copy stores every block, with no parent in its region.
                new SnapshotBlocks(null, source.blocks().fullBytes(), source.blocks().fullBytes()));
        snapshots.put(copy.id(), copy);
        return copy;
    }

    /** ModifySnapshotAttribute createVolumePermission add / remove. */
    public void modifyVolumePermission(String snapshotId, List<String> add, List<String> remove) {
        Set<String> accounts = volumePermissions.computeIfAbsent(snapshot(snapshotId).id(), id -> new LinkedHashSet<>());
        accounts.addAll(add);
        accounts.removeAll(remove);
    }

    public Set<String> volumePermissions(String snapshotId) {
        return Set.copyOf(volumePermissions.getOrDefault(snapshot(snapshotId).id(), Set.of()));
    }

    public Snapshot snapshot(String snapshotId) {
        Snapshot snapshot = snapshots.get(snapshotId);
        if (snapshot == null) {
            throw new AwsException("InvalidSnapshot.NotFound", "The snapshot '" + snapshotId + "' does not exist.");
        }
        return snapshot;
    }

    public List<Snapshot> snapshots(List<String> ids, Predicate<Snapshot> filter) {
        ids.forEach(this::snapshot);
        return snapshots.values().stream().filter(s -> ids.isEmpty() || ids.contains(s.id())).filter(filter).toList();
    }

    public void deleteSnapshot(String snapshotId) {
        snapshot(snapshotId);
        snapshots.remove(snapshotId);
        fastSnapshotRestores.snapshotDeleted(snapshotId);
    }

    // ---- fast snapshot restore ----

    public FastSnapshotRestores.Outcome enableFastSnapshotRestores(List<String> snapshotIds, List<String> zones,
                                                                    long now) {
        checkZones(zones);
        List<Snapshot> sources = snapshotIds.stream().map(this::snapshot).toList();
        for (Snapshot source : sources) {
            if (!source.progress(now).status().equals("completed")) {
                throw new AwsException("IncorrectState", "Snapshot '" + source.id() + "' is not 'completed'.");
            }
        }
        return fastSnapshotRestores.enable(sources, zones, now);
    }

    public FastSnapshotRestores.Outcome disableFastSnapshotRestores(List<String> snapshotIds, List<String> zones,
                                                                     long now) {
        checkZones(zones);
        return fastSnapshotRestores.disable(snapshotIds, zones, now);
    }

    public List<FastSnapshotRestores.Entry> fastSnapshotRestores() {
        return fastSnapshotRestores.all();
    }

    private void checkZones(List<String> zones) {
        if (zones.isEmpty()) {
            throw new AwsException("MissingParameter", "The request must contain the parameter AvailabilityZone");
        }
        for (String zone : zones) {
            if (!availabilityZones().contains(zone)) {
                throw new AwsException("InvalidParameterValue", "Invalid availability zone: [" + zone + "]");
            }
        }
    }

    // ---- tags ----

    public void createTags(List<String> resourceIds, Map<String, String> tags) {
        for (String id : resourceIds) {
            tagsOf(id).putAll(tags);
        }
    }

    /** A copy of the tags of the instance, volume or snapshot with this ID, if it exists. */
    public Optional<Map<String, String>> tags(String resourceId) {
        if (!instances.containsKey(resourceId) && !volumes.containsKey(resourceId) && !snapshots.containsKey(resourceId)) {
            return Optional.empty();
        }
        return Optional.of(Map.copyOf(tagsOf(resourceId)));
    }

    /** DeleteTags: each {key, value} removes the key, or only when its value matches when a value is given. */
    public void deleteTags(List<String> resourceIds, List<String[]> keys) {
        for (String id : resourceIds) {
            Map<String, String> tags = tagsOf(id);
            for (String[] key : keys) {
                if (key[1] == null || key[1].equals(tags.get(key[0]))) {
                    tags.remove(key[0]);
                }
            }
        }
    }

    private Map<String, String> tagsOf(String resourceId) {
        if (instances.containsKey(resourceId)) {
            return instances.get(resourceId).tags;
        }
        if (volumes.containsKey(resourceId)) {
            return volumes.get(resourceId).tags;
        }
        if (snapshots.containsKey(resourceId)) {
            return snapshots.get(resourceId).tags();
        }
        throw new AwsException("InvalidID", "The ID '" + resourceId + "' is not valid");
    }

    // ---- launch templates ----

    public LaunchTemplate createLaunchTemplate(String name, Map<String, Object> data, long now) {
        if (launchTemplates.values().stream().anyMatch(t -> t.name().equals(name))) {
            throw new AwsException("InvalidLaunchTemplateName.AlreadyExistsException",
                    "Launch template name already in use.");
        }
        LaunchTemplate template = new LaunchTemplate(context.ids().next("lt"), name, Instant.ofEpochMilli(now), 1,
                data);
        launchTemplates.put(template.id(), template);
        return template;
    }

    public LaunchTemplate launchTemplate(String idOrName) {
        return launchTemplates.values().stream()
                .filter(t -> t.id().equals(idOrName) || t.name().equals(idOrName))
                .findFirst()
                .orElseThrow(() -> new AwsException("InvalidLaunchTemplateId.NotFound",
                        "The specified launch template, with template ID " + idOrName + ", does not exist."));
    }

    /** A new latest version with this data (CreateLaunchTemplateVersion plus ModifyLaunchTemplate, as CloudFormation does). */
    public LaunchTemplate createLaunchTemplateVersion(String id, Map<String, Object> data) {
        LaunchTemplate next = launchTemplate(id).nextVersion(data);
        launchTemplates.put(id, next);
        return next;
    }

    public Collection<LaunchTemplate> launchTemplates() {
        return launchTemplates.values();
    }

    public void deleteLaunchTemplate(String idOrName) {
        launchTemplates.remove(launchTemplate(idOrName).id());
    }

    public BottlerocketImages images() {
        return images;
    }

    public Collection<Instance> allInstances() {
        return instances.values();
    }

    public Collection<Volume> allVolumes() {
        return volumes.values();
    }

    public Collection<Snapshot> allSnapshots() {
        return snapshots.values();
    }
}
