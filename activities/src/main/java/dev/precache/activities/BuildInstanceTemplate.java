package dev.precache.activities;

import dev.precache.workflows.BuildIdentity;
import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.PullTuning;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.cloudformation.model.Parameter;

/**
 * The CloudFormation template of the build instance (deploy/cloudformation/build-instance.yaml, packaged as a
 * class-path resource) and how a build request fills its parameters.
 */
final class BuildInstanceTemplate {

  static final String RESOURCE = "build-instance.yaml";

  private BuildInstanceTemplate() {}

  static String body() {
    return read(RESOURCE);
  }

  /** A template packaged beside this class (see activities/pom.xml). */
  static String read(String resource) {
    try (InputStream in = BuildInstanceTemplate.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing from the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The stack parameters of a build with an empty data volume. */
  static List<Parameter> parameters(BuildIdentity identity, BuildRequest request, String instanceProfileName) {
    return parameters(identity, request, instanceProfileName, null, null, null);
  }

  /**
   * The stack parameters of a build; a value the request leaves out keeps the template's default.
   *
   * @param instanceProfileName the builder stack's instance profile; null for the stack to make its own
   * @param dataSnapshotId      the snapshot to create the data volume from; null for an empty volume
   * @param initializationRate  EBS's provisioned initialization rate for that volume, MiB/s; null: lazy
   * @param pullTuning          the transfer service's settings for the instance's user data; null: containerd's
   */
  static List<Parameter> parameters(BuildIdentity identity, BuildRequest request, String instanceProfileName,
      String dataSnapshotId, Integer initializationRate, PullTuning pullTuning) {
    List<Parameter> parameters = new ArrayList<>();
    add(parameters, "AmiId", request.amiParameter());
    add(parameters, "InstanceType", request.instanceType());
    add(parameters, "VolumeSize", request.volumeSizeGiB());
    add(parameters, "VolumeThroughput", request.volumeThroughputMiBps());
    add(parameters, "VolumeIops", request.volumeIops());
    add(parameters, "Encrypted", request.encrypt());
    add(parameters, "KmsKeyId", request.encrypt() ? request.kmsKeyId() : null);
    add(parameters, "InstanceRoleName", request.instanceRole());
    add(parameters, "InstanceProfileName", instanceProfileName);
    add(parameters, "DataSnapshotId", dataSnapshotId);
    add(parameters, "DataVolumeInitializationRate", dataSnapshotId == null ? null : initializationRate);
    add(parameters, "SecurityGroupId", request.securityGroupId());
    add(parameters, "SubnetId", request.subnetId());
    add(parameters, "AssociatePublicIp", request.publicIp());
    if (pullTuning != null) {
      add(parameters, "MaxConcurrentDownloads", pullTuning.maxConcurrentDownloads());
      add(parameters, "DownloadChunkSize", pullTuning.chunkBytes());
      add(parameters, "MaxConcurrentUnpacks", pullTuning.parallelUnpack() ? pullTuning.maxConcurrentUnpacks() : null);
    }
    add(parameters, "BuildId", identity.buildId());
    add(parameters, "BuildName", request.name() == null ? identity.buildId() : request.name());
    return parameters;
  }

  private static void add(List<Parameter> parameters, String key, Object value) {
    if (value != null && !value.toString().isBlank()) {
      parameters.add(Parameter.builder().parameterKey(key).parameterValue(value.toString()).build());
    }
  }
}
