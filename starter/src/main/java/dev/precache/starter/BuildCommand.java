package dev.precache.starter;

import dev.precache.workflows.BuildIdentity;
import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildRequestValidator;
import dev.precache.workflows.BuildSearchAttributes;
import dev.precache.workflows.BuildTimeouts;
import dev.precache.workflows.InvalidRequestException;
import dev.precache.workflows.SnapshotBuildWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributes;
import java.io.PrintWriter;
import java.io.Writer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code precache build}: snapshot.sh's flags, short and long, plus precache's own. Starts the build (or
 * attaches to the same build already running) and by default follows it to the end.
 */
@Command(name = "build", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Build a snapshot with the given images pre-pulled (flags compatible with snapshot.sh).")
final class BuildCommand implements Callable<Integer> {

  /** How each {@link BuildRequest} field is spelled on the command line, for validation messages. */
  private static final Map<String, String> FLAG_OF_FIELD = Map.ofEntries(
      Map.entry("name", "--name"),
      Map.entry("region", "--region"),
      Map.entry("images", "image list"),
      Map.entry("platforms", "--arch"),
      Map.entry("amiParameter", "--ami"),
      Map.entry("instanceType", "--instance-type"),
      Map.entry("encrypt", "--encrypt"),
      Map.entry("kmsKeyId", "--kms-id"),
      Map.entry("volumeSizeGiB", "--snapshot-size"),
      Map.entry("instanceRole", "--instance-role"),
      Map.entry("securityGroupId", "--security-group-id"),
      Map.entry("subnetId", "--subnet-id"),
      Map.entry("outputParameterName", "--output-parameter-name"),
      Map.entry("publicIp", "--public-ip"),
      Map.entry("tags", "--tag"),
      Map.entry("timeout", "--timeout"),
      Map.entry("pullParallelism", "--parallelism"),
      Map.entry("volumeThroughputMiBps", "--volume-throughput"),
      Map.entry("volumeIops", "--volume-iops"));

  @ParentCommand
  private PrecacheCli cli;

  @Spec
  private CommandLine.Model.CommandSpec spec;

  @Option(names = {"-r", "--region"},
      description = "AWS region of the build instance and the snapshot (default: $AWS_REGION, then $AWS_DEFAULT_REGION).")
  String region;

  @Option(names = {"-a", "--ami"}, paramLabel = "SSM_PARAMETER",
      description = "SSM parameter holding the Bottlerocket AMI ID.")
  String ami;

  @Option(names = {"-i", "--instance-type"}, description = "Build instance type (default: m5.large).")
  String instanceType;

  @Option(names = {"-e", "--encrypt"}, description = "Encrypt the data volume and so the snapshot.")
  boolean encrypt;

  @Option(names = {"-k", "--kms-id"}, description = "KMS key for --encrypt.")
  String kmsId;

  @Option(names = {"-s", "--snapshot-size"}, paramLabel = "GiB", description = "Data volume size (default: 50).")
  Integer snapshotSize;

  @Option(names = {"-R", "--instance-role"}, description = "Existing IAM role for the build instance.")
  String instanceRole;

  @Option(names = {"-q", "--quiet"}, description = "Print only the snapshot ID on stdout.")
  boolean quiet;

  @Option(names = {"-sg", "--security-group-id"}, description = "Security group of the build instance.")
  String securityGroupId;

  @Option(names = {"-sn", "--subnet-id"}, description = "Subnet of the build instance.")
  String subnetId;

  @Option(names = {"-op", "--output-parameter-name"}, paramLabel = "SSM_PARAMETER",
      description = "SSM parameter to write the snapshot ID to.")
  String outputParameterName;

  @Option(names = {"-p", "--public-ip"}, arity = "1", paramLabel = "true|false", defaultValue = "true",
      description = "Give the build instance a public IP (default: ${DEFAULT-VALUE}).")
  boolean publicIp;

  @Option(names = {"-A", "--arch"}, split = ",", paramLabel = "ARCH",
      description = "Architectures to pull each image for, comma-separated (default: amd64).")
  List<String> architectures = new ArrayList<>();

  @Option(names = "--name", description = "Build name: tags the snapshot and names the stack.")
  String name;

  @Option(names = "--tag", paramLabel = "KEY=VALUE", description = "Extra tag for the stack, instance, volume and snapshot (repeatable).")
  Map<String, String> tags = new LinkedHashMap<>();

  @Option(names = "--timeout", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "Overall build deadline, e.g. 90m or 3h (default: 3h); teardown still runs after it.")
  Duration timeout;

  @Option(names = "--parallelism", description = "Image x platform pulls at once (default: 4).")
  Integer parallelism;

  @Option(names = "--volume-throughput", paramLabel = "MiBps", description = "gp3 throughput of the build volume.")
  Integer volumeThroughput;

  @Option(names = "--volume-iops", description = "gp3 IOPS of the build volume.")
  Integer volumeIops;

  @Option(names = "--detach", description = "Print the workflow ID and return without waiting.")
  boolean detach;

  @Parameters(arity = "1..*", split = ",", paramLabel = "IMAGES",
      description = "Images to pre-pull, comma-separated.")
  List<String> images;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    BuildRequest request;
    try {
      request = BuildRequestValidator.normalize(toRequest());
    } catch (InvalidRequestException e) {
      err.println("invalid " + FLAG_OF_FIELD.getOrDefault(e.field(), e.field()) + ": " + e.problem());
      return CommandLine.ExitCode.USAGE;
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter progress = quiet ? new PrintWriter(Writer.nullWriter()) : out;
    try (TemporalConnection connection = cli.connect()) {
      String workflowId = startOrAttach(connection.client(), request, progress);
      if (detach) {
        out.println(workflowId);
        return CommandLine.ExitCode.OK;
      }
      WorkflowStub stub = connection.client().newUntypedWorkflowStub(workflowId);
      return new BuildWatcher(stub, new ProgressPrinter(progress), cli.pollInterval()).follow(err, result -> {
        if (quiet) {
          out.println(result.snapshotId());
        }
      });
    }
  }

  /** Like the AWS CLI that snapshot.sh drives, an unset region comes from the environment. */
  private static String regionFromEnvironment() {
    String region = System.getenv("AWS_REGION");
    return region != null && !region.isBlank() ? region : System.getenv("AWS_DEFAULT_REGION");
  }

  /** The request as the flags say it; other defaults are the validator's job. */
  BuildRequest toRequest() {
    List<String> platforms = architectures.isEmpty() ? null
        : architectures.stream().map(arch -> arch.contains("/") ? arch : "linux/" + arch).toList();
    return new BuildRequest(name, region != null ? region : regionFromEnvironment(), List.copyOf(images), platforms, ami, instanceType, encrypt, kmsId,
        snapshotSize, instanceRole, securityGroupId, subnetId, outputParameterName, publicIp, Map.copyOf(tags),
        timeout, parallelism, volumeThroughput, volumeIops);
  }

  /**
   * Starts the build unless the same build is already running (its workflow ID is a hash of the request),
   * and returns the workflow ID.
   */
  private static String startOrAttach(WorkflowClient client, BuildRequest request, PrintWriter progress) {
    String workflowId = BuildIdentity.workflowIdFor(request);
    WorkflowOptions options = WorkflowOptions.newBuilder()
        .setWorkflowId(workflowId)
        .setTaskQueue(SnapshotBuildWorkflow.TASK_QUEUE)
        .setWorkflowRunTimeout(request.timeout().plus(BuildTimeouts.TEARDOWN_ALLOWANCE))
        .setTypedSearchAttributes(SearchAttributes.newBuilder()
            .set(BuildSearchAttributes.STATUS, BuildSearchAttributes.Status.RUNNING.name())
            .set(BuildSearchAttributes.REGION, request.region())
            .set(BuildSearchAttributes.IMAGES, request.images())
            .set(BuildSearchAttributes.BUILD_NAME, request.name())
            .build())
        .build();
    SnapshotBuildWorkflow workflow = client.newWorkflowStub(SnapshotBuildWorkflow.class, options);
    try {
      WorkflowClient.start(workflow::build, request);
      progress.println("Started build " + workflowId);
    } catch (WorkflowExecutionAlreadyStarted e) {
      progress.println("attaching to running build " + workflowId);
    }
    progress.flush();
    return workflowId;
  }
}
