package dev.precache.simulator.ec2;

import dev.precache.simulator.AwsException;
import dev.precache.simulator.protocol.QueryRequest;
import dev.precache.simulator.protocol.XmlWriter;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/** The EC2 query protocol: form parameters in, XML in the 2016-11-15 namespace out. */
public final class Ec2Responses {
    public static final String NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/";

    private final Ec2Model model;
    private final String accountId;
    /** Another region's EC2, for CopySnapshot's source. */
    private final Function<String, Ec2Model> regions;

    public Ec2Responses(Ec2Model model, String accountId) {
        this(model, accountId, region -> {
            throw new AwsException("InvalidParameterValue", "no region " + region);
        });
    }

    public Ec2Responses(Ec2Model model, String accountId, Function<String, Ec2Model> regions) {
        this.model = model;
        this.accountId = accountId;
        this.regions = regions;
    }

    public String handle(QueryRequest request, String requestId, long now) {
        String action = request.action();
        XmlWriter xml = new XmlWriter().root(action + "Response", NAMESPACE).element("requestId", requestId);
        switch (action) {
            case "DescribeInstances" -> describeInstances(request, xml);
            case "DescribeInstanceStatus" -> describeInstanceStatus(request, xml);
            case "StopInstances" -> stateChanges(model.stop(request.list("InstanceId"), request.flag("Force"), now), xml);
            case "TerminateInstances" -> stateChanges(model.terminate(request.list("InstanceId"), now), xml);
            case "DescribeVolumes" -> describeVolumes(request, xml);
            case "DescribeVolumeStatus" -> describeVolumeStatus(request, xml, now);
            case "EnableFastSnapshotRestores" -> fastSnapshotRestoreOutcome(model.enableFastSnapshotRestores(
                    snapshotIds(request), request.list("AvailabilityZone"), now), xml, now);
            case "DisableFastSnapshotRestores" -> fastSnapshotRestoreOutcome(model.disableFastSnapshotRestores(
                    snapshotIds(request), request.list("AvailabilityZone"), now), xml, now);
            case "DescribeFastSnapshotRestores" -> describeFastSnapshotRestores(request, xml, now);
            case "DeleteVolume" -> {
                model.deleteVolume(request.required("VolumeId"));
                xml.element("return", true);
            }
            case "CreateSnapshot" -> createSnapshot(request, xml, now);
            case "DescribeSnapshots" -> describeSnapshots(request, xml, now);
            case "CopySnapshot" -> copySnapshot(request, xml, now);
            case "ModifySnapshotAttribute" -> {
                if (!request.get("Attribute").orElse("createVolumePermission").equals("createVolumePermission")) {
                    throw new AwsException("InvalidParameterValue", "only createVolumePermission is simulated");
                }
                List<String> add = new java.util.ArrayList<>(request.list("UserId"));
                request.members("CreateVolumePermission.Add").forEach(p -> p.get("UserId").ifPresent(add::add));
                List<String> remove = new java.util.ArrayList<>();
                request.members("CreateVolumePermission.Remove").forEach(p -> p.get("UserId").ifPresent(remove::add));
                if (request.get("OperationType").orElse("add").equals("remove")) {
                    remove.addAll(request.list("UserId"));
                    add.removeAll(request.list("UserId"));
                }
                model.modifyVolumePermission(request.required("SnapshotId"), add, remove);
                xml.element("return", true);
            }
            case "DescribeSnapshotAttribute" -> {
                String snapshotId = request.required("SnapshotId");
                xml.element("snapshotId", snapshotId).start("createVolumePermission");
                model.volumePermissions(snapshotId).forEach(account -> xml.start("item").element("userId", account).end());
                xml.end();
            }
            case "DeleteSnapshot" -> {
                model.deleteSnapshot(request.required("SnapshotId"));
                xml.element("return", true);
            }
            case "CreateTags" -> {
                model.createTags(request.list("ResourceId"), request.tags("Tag"));
                xml.element("return", true);
            }
            case "DeleteTags" -> {
                List<String[]> keys = request.members("Tag").stream()
                        .map(tag -> new String[] {tag.required("Key"), tag.get("Value").orElse(null)}).toList();
                model.deleteTags(request.list("ResourceId"), keys);
                xml.element("return", true);
            }
            case "DescribeAvailabilityZones" -> describeAvailabilityZones(xml);
            case "DescribeInstanceTypes" -> DescribeInstanceTypes.write(request, xml);
            case "DescribeImages" -> describeImages(request, xml);
            case "DescribeLaunchTemplates" -> describeLaunchTemplates(request, xml);
            case "DeleteLaunchTemplate" -> {
                LaunchTemplate template = model.launchTemplate(request.get("LaunchTemplateId")
                        .or(() -> request.get("LaunchTemplateName")).orElseThrow());
                model.deleteLaunchTemplate(template.id());
                writeLaunchTemplate(xml.start("launchTemplate"), template).end();
            }
            default -> throw new AwsException("InvalidAction", "The action " + action + " is not valid for this web service.");
        }
        return xml.toXml();
    }

    // ---- instances ----

    private void describeInstances(QueryRequest request, XmlWriter xml) {
        Predicate<Instance> filter = filters(request.ec2Filters(), Map.of(
                "instance-id", i -> i.id,
                "instance-state-name", i -> i.state.apiName(),
                "instance-type", i -> i.type.name(),
                "image-id", i -> i.image.imageId(),
                "availability-zone", i -> i.availabilityZone), i -> i.tags);
        xml.start("reservationSet");
        for (Instance instance : model.instances(request.list("InstanceId"), filter)) {
            xml.start("item").element("reservationId", instance.reservationId).element("ownerId", accountId)
                    .start("groupSet").end().start("instancesSet");
            writeInstance(xml.start("item"), instance).end();
            xml.end().end();
        }
        xml.end();
    }

    private XmlWriter writeInstance(XmlWriter xml, Instance instance) {
        xml.element("instanceId", instance.id).element("imageId", instance.image.imageId());
        writeState(xml, "instanceState", instance.state);
        xml.element("privateDnsName", "ip-" + instance.privateIp.replace('.', '-') + "." + model.availabilityZone()
                        .replaceAll("[a-z]$", "") + ".compute.internal")
                .element("dnsName", "")
                .element("amiLaunchIndex", 0)
                .element("instanceType", instance.type.name())
                .element("launchTime", instance.launchTime)
                .start("placement").element("availabilityZone", instance.availabilityZone)
                .element("tenancy", "default").end()
                .start("monitoring").element("state", "disabled").end()
                .element("subnetId", instance.subnetId)
                .element("privateIpAddress", instance.privateIp)
                .element("architecture", instance.type.architecture())
                .element("rootDeviceType", "ebs")
                .element("rootDeviceName", "/dev/xvda")
                .start("blockDeviceMapping");
        for (Volume volume : instance.volumes) {
            Volume.Attachment attachment = volume.attachment;
            xml.start("item").element("deviceName", volume.spec.deviceName()).start("ebs")
                    .element("volumeId", volume.id)
                    .element("status", attachment == null ? "detached" : "attached")
                    .element("attachTime", instance.launchTime)
                    .element("deleteOnTermination", volume.spec.deleteOnTermination())
                    .end().end();
        }
        xml.end().element("virtualizationType", "hvm").element("hypervisor", "xen");
        if (instance.instanceProfileArn != null) {
            xml.start("iamInstanceProfile").element("arn", instance.instanceProfileArn)
                    .element("id", "AIPA" + instance.id.substring(2).toUpperCase()).end();
        }
        writeTags(xml, instance.tags);
        if (instance.stateReason != null) {
            xml.element("reason", instance.stateReason + " (" + XmlWriter.timestamp(instance.launchTime) + ")");
            xml.start("stateReason").element("code", "Client.UserInitiatedShutdown")
                    .element("message", "Client.UserInitiatedShutdown: " + instance.stateReason).end();
        }
        return xml;
    }

    private static void writeState(XmlWriter xml, String element, InstanceState state) {
        xml.start(element).element("code", state.code()).element("name", state.apiName()).end();
    }

    private void describeInstanceStatus(QueryRequest request, XmlWriter xml) {
        boolean includeAll = request.flag("IncludeAllInstances");
        Predicate<Instance> filter = filters(request.ec2Filters(), Map.of(
                "instance-state-name", i -> i.state.apiName(),
                "availability-zone", i -> i.availabilityZone), i -> i.tags);
        xml.start("instanceStatusSet");
        for (Instance instance : model.instances(request.list("InstanceId"), filter.and(
                i -> includeAll || i.state == InstanceState.RUNNING))) {
            String status = instance.state == InstanceState.RUNNING ? "ok" : "not-applicable";
            xml.start("item").element("instanceId", instance.id).element("availabilityZone", instance.availabilityZone);
            writeState(xml, "instanceState", instance.state);
            for (String check : List.of("systemStatus", "instanceStatus")) {
                xml.start(check).element("status", status).start("details").start("item")
                        .element("name", "reachability")
                        .element("status", status.equals("ok") ? "passed" : status).end().end().end();
            }
            xml.end();
        }
        xml.end();
    }

    private static void stateChanges(List<Ec2Model.StateChange> changes, XmlWriter xml) {
        xml.start("instancesSet");
        for (Ec2Model.StateChange change : changes) {
            xml.start("item").element("instanceId", change.instanceId());
            writeState(xml, "currentState", change.current());
            writeState(xml, "previousState", change.previous());
            xml.end();
        }
        xml.end();
    }

    // ---- volumes and snapshots ----

    private void describeVolumes(QueryRequest request, XmlWriter xml) {
        Predicate<Volume> filter = filters(request.ec2Filters(), Map.of(
                "volume-id", v -> v.id,
                "snapshot-id", v -> v.spec.snapshotId() == null ? "" : v.spec.snapshotId(),
                "status", Volume::state,
                "attachment.instance-id", v -> v.attachment == null ? "" : v.attachment.instanceId(),
                "attachment.device", v -> v.attachment == null ? "" : v.attachment.device()), v -> v.tags);
        xml.start("volumeSet");
        for (Volume volume : model.volumes(request.list("VolumeId"), filter)) {
            BlockDevice spec = volume.spec;
            xml.start("item").element("volumeId", volume.id).element("size", spec.sizeGiB())
                    .element("snapshotId", spec.snapshotId() == null ? "" : spec.snapshotId())
                    .element("availabilityZone", volume.availabilityZone)
                    .element("status", volume.state()).element("createTime", volume.createTime)
                    .start("attachmentSet");
            if (volume.attachment != null) {
                xml.start("item").element("volumeId", volume.id).element("instanceId", volume.attachment.instanceId())
                        .element("device", volume.attachment.device()).element("status", "attached")
                        .element("attachTime", volume.attachment.attachTime())
                        .element("deleteOnTermination", volume.attachment.deleteOnTermination()).end();
            }
            xml.end().element("volumeType", spec.volumeType()).element("iops", spec.iops())
                    .element("throughput", spec.throughput()).element("encrypted", spec.encrypted())
                    .element("kmsKeyId", spec.kmsKeyId()).element("multiAttachEnabled", false)
                    .element("volumeInitializationRate", volume.initialization.rateMiBps());
            if (volume.initialization.fromSnapshot()) {
                xml.element("fastRestored", volume.initialization.fastRestored());
            }
            writeTags(xml, volume.tags);
            xml.end();
        }
        xml.end();
    }

    /** Volume health is always ok here; what matters is {@code initializationStatusDetails} of restored volumes. */
    private void describeVolumeStatus(QueryRequest request, XmlWriter xml, long now) {
        Predicate<Volume> filter = filters(request.ec2Filters(), Map.of(
                "availability-zone", v -> v.availabilityZone,
                "volume-status.status", v -> "ok"), v -> v.tags);
        xml.start("volumeStatusSet");
        for (Volume volume : model.volumes(request.list("VolumeId"), filter)) {
            xml.start("item").element("volumeId", volume.id).element("availabilityZone", volume.availabilityZone)
                    .start("volumeStatus").element("status", "ok").start("details")
                    .start("item").element("name", "io-enabled").element("status", "passed").end()
                    .start("item").element("name", "io-performance").element("status", "not-applicable").end()
                    .end().end()
                    .start("eventsSet").end().start("actionsSet").end();
            VolumeInitialization initialization = volume.initialization;
            if (initialization.fromSnapshot()) {
                xml.start("initializationStatusDetails")
                        .element("initializationType", initialization.type().apiName())
                        .element("progress", initialization.progressPercent(now))
                        .element("estimatedTimeToCompleteInSeconds", initialization.estimatedSecondsToComplete(now))
                        .end();
            }
            xml.end();
        }
        xml.end();
    }

    // ---- fast snapshot restore ----

    private static List<String> snapshotIds(QueryRequest request) {
        List<String> ids = request.list("SourceSnapshotId");
        if (ids.isEmpty()) {
            throw new AwsException("MissingParameter", "The request must contain the parameter SourceSnapshotId");
        }
        return ids;
    }

    private void fastSnapshotRestoreOutcome(FastSnapshotRestores.Outcome outcome, XmlWriter xml, long now) {
        xml.start("successful");
        outcome.successful().forEach(entry -> writeFastSnapshotRestore(xml.start("item"), entry, now).end());
        xml.end().start("unsuccessful");
        for (FastSnapshotRestores.Failure failure : outcome.unsuccessful()) {
            xml.start("item").element("snapshotId", failure.snapshotId()).start("fastSnapshotRestoreStateErrorSet")
                    .start("item").element("availabilityZone", failure.availabilityZone())
                    .start("error").element("code", failure.code()).element("message", failure.message()).end()
                    .end().end().end();
        }
        xml.end();
    }

    private void describeFastSnapshotRestores(QueryRequest request, XmlWriter xml, long now) {
        Predicate<FastSnapshotRestores.Entry> filter = filters(request.ec2Filters(), Map.of(
                "snapshot-id", FastSnapshotRestores.Entry::snapshotId,
                "availability-zone", FastSnapshotRestores.Entry::availabilityZone,
                "owner-id", e -> accountId,
                "state", e -> e.state(now)), e -> Map.of());
        xml.start("fastSnapshotRestoreSet");
        model.fastSnapshotRestores().stream().filter(filter)
                .forEach(entry -> writeFastSnapshotRestore(xml.start("item"), entry, now).end());
        xml.end();
    }

    private XmlWriter writeFastSnapshotRestore(XmlWriter xml, FastSnapshotRestores.Entry entry, long now) {
        String state = entry.state(now);
        boolean userInitiated = state.equals("enabling") || state.equals("disabling");
        xml.element("snapshotId", entry.snapshotId()).element("availabilityZone", entry.availabilityZone())
                .element("state", state)
                .element("stateTransitionReason", userInitiated ? "Client.UserInitiated"
                        : "Client.UserInitiated - Lifecycle state transition")
                .element("ownerId", accountId);
        entry.stateTimes(now).forEach((reached, at) -> xml.element(reached + "Time", at));
        return xml;
    }

    private void createSnapshot(QueryRequest request, XmlWriter xml, long now) {
        Map<String, String> tags = new java.util.LinkedHashMap<>();
        for (QueryRequest spec : request.members("TagSpecification")) {
            if (spec.get("ResourceType").orElse("snapshot").equals("snapshot")) {
                tags.putAll(spec.tags("Tag"));
            }
        }
        Snapshot snapshot = model.createSnapshot(request.required("VolumeId"),
                request.get("Description").orElse(""), tags, now);
        writeSnapshot(xml, snapshot, now);
    }

    private void copySnapshot(QueryRequest request, XmlWriter xml, long now) {
        Snapshot source = regions.apply(request.required("SourceRegion")).snapshot(request.required("SourceSnapshotId"));
        Map<String, String> tags = new java.util.LinkedHashMap<>();
        for (QueryRequest spec : request.members("TagSpecification")) {
            if (spec.get("ResourceType").orElse("snapshot").equals("snapshot")) {
                tags.putAll(spec.tags("Tag"));
            }
        }
        Snapshot copy = model.copySnapshot(source, request.get("Description").orElse(
                "[Copied " + source.id() + " from " + request.required("SourceRegion") + "] " + source.description()),
                request.flag("Encrypted"), request.get("KmsKeyId").orElse(null), tags, now);
        xml.element("snapshotId", copy.id());
        writeTags(xml, copy.tags());
    }

    private void describeSnapshots(QueryRequest request, XmlWriter xml, long now) {
        List<String> owners = request.list("Owner");
        Predicate<Snapshot> owned = s -> owners.isEmpty() || owners.contains("self") || owners.contains(accountId);
        Predicate<Snapshot> filter = filters(request.ec2Filters(), Map.of(
                "snapshot-id", Snapshot::id,
                "volume-id", Snapshot::volumeId,
                "status", s -> s.progress(now).status(),
                "owner-id", s -> accountId,
                "description", Snapshot::description), Snapshot::tags);
        xml.start("snapshotSet");
        for (Snapshot snapshot : model.snapshots(request.list("SnapshotId"), owned.and(filter))) {
            writeSnapshot(xml.start("item"), snapshot, now).end();
        }
        xml.end();
    }

    private XmlWriter writeSnapshot(XmlWriter xml, Snapshot snapshot, long now) {
        Snapshot.Progress progress = snapshot.progress(now);
        xml.element("snapshotId", snapshot.id()).element("volumeId", snapshot.volumeId())
                .element("status", progress.status()).element("statusMessage", progress.stateMessage())
                .element("startTime", snapshot.startTime()).element("progress", progress.percent() + "%")
                .element("ownerId", accountId).element("volumeSize", snapshot.volumeSizeGiB())
                .element("description", snapshot.description()).element("encrypted", snapshot.encrypted())
                .element("kmsKeyId", snapshot.kmsKeyId()).element("storageTier", "standard")
                .element("fullSnapshotSizeInBytes", snapshot.blocks().fullBytes());
        writeTags(xml, snapshot.tags());
        return xml;
    }

    // ---- misc ----

    private void describeAvailabilityZones(XmlWriter xml) {
        xml.start("availabilityZoneInfo");
        String region = model.availabilityZone().substring(0, model.availabilityZone().length() - 1);
        int n = 1;
        for (String zone : model.availabilityZones()) {
            xml.start("item").element("zoneName", zone).element("zoneState", "available")
                    .element("regionName", region).element("zoneId", "usw2-az" + n++)
                    .element("zoneType", "availability-zone").end();
        }
        xml.end();
    }

    private void describeImages(QueryRequest request, XmlWriter xml) {
        List<String> ids = request.list("ImageId");
        xml.start("imagesSet");
        for (BottlerocketImages.Image image : model.images().all()) {
            if (ids.isEmpty() || ids.contains(image.imageId())) {
                xml.start("item").element("imageId", image.imageId()).element("imageState", "available")
                        .element("imageOwnerId", "092701018921").element("isPublic", true)
                        .element("architecture", image.architecture()).element("imageType", "machine")
                        .element("name", image.name()).element("rootDeviceType", "ebs")
                        .element("rootDeviceName", "/dev/xvda").element("virtualizationType", "hvm").end();
            }
        }
        xml.end();
    }

    private void describeLaunchTemplates(QueryRequest request, XmlWriter xml) {
        List<String> ids = request.list("LaunchTemplateId");
        List<String> names = request.list("LaunchTemplateName");
        xml.start("launchTemplates");
        for (LaunchTemplate template : model.launchTemplates()) {
            if ((ids.isEmpty() || ids.contains(template.id())) && (names.isEmpty() || names.contains(template.name()))) {
                writeLaunchTemplate(xml.start("item"), template).end();
            }
        }
        xml.end();
    }

    private XmlWriter writeLaunchTemplate(XmlWriter xml, LaunchTemplate template) {
        return xml.element("launchTemplateId", template.id()).element("launchTemplateName", template.name())
                .element("createTime", template.createTime()).element("createdBy", "arn:aws:iam::" + accountId + ":root")
                .element("defaultVersionNumber", template.latestVersion())
                .element("latestVersionNumber", template.latestVersion());
    }

    private static void writeTags(XmlWriter xml, Map<String, String> tags) {
        xml.start("tagSet");
        tags.forEach((k, v) -> xml.start("item").element("key", k).element("value", v).end());
        xml.end();
    }

    /**
     * EC2 filter semantics: every filter must match; within one filter any value may match. {@code tag:K}
     * and {@code tag-key} work on every taggable resource.
     */
    private static <T> Predicate<T> filters(Map<String, List<String>> requested,
                                            Map<String, Function<T, String>> attributes,
                                            Function<T, Map<String, String>> tags) {
        Predicate<T> all = t -> true;
        for (Map.Entry<String, List<String>> filter : requested.entrySet()) {
            String name = filter.getKey();
            List<String> values = filter.getValue();
            Predicate<T> one;
            if (name.startsWith("tag:")) {
                String key = name.substring(4);
                one = t -> tags.apply(t).containsKey(key) && values.contains(tags.apply(t).get(key));
            } else if (name.equals("tag-key")) {
                one = t -> values.stream().anyMatch(tags.apply(t)::containsKey);
            } else if (attributes.containsKey(name)) {
                Function<T, String> attribute = attributes.get(name);
                one = t -> values.contains(attribute.apply(t));
            } else {
                throw new AwsException("InvalidParameterValue", "The filter '" + name + "' is invalid");
            }
            all = all.and(one);
        }
        return all;
    }

}
