package dev.precache.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.precache.simulator.ec2.Snapshot;
import dev.precache.simulator.instance.VolumeImage;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The AWS CLI v2 against an in-process simulator, for every operation the build and snapshot.sh use.
 *
 * <p>The CLI's waiters poll at fixed delays (15 s for EC2, 5 s for SSM, 30 s for CloudFormation) but poll
 * once right away. The time scale is small enough that every simulated transition — a stack's ~3 minutes, a
 * stop, a snapshot — is over within the few milliseconds between two requests, so each waiter succeeds on its
 * first poll. Nothing here relies on real time lasting: the ECR password is only decoded, never used later.
 */
class AwsCliConformanceTest {
    private static final double TIME_SCALE = 0.00002;
    private static final String CAPABILITY = "CAPABILITY_NAMED_IAM";
    private static final String BUSYBOX = "docker.io/library/busybox:latest";
    private static final String CTR = "apiclient exec admin sheltie ctr -a /run/containerd/containerd.sock -n k8s.io";

    private static SimulatorServer server;
    private static AwsCli aws;

    @BeforeAll
    static void startSimulator() throws IOException {
        if (!AwsCli.installed()) {
            String banner = """

                    ************************************************************************
                    *  AWS CLI v2 not found at %s: CLI conformance tests NOT RUN.
                    *  Install Debian's awscli package (see .ci/install-tools) to run them.
                    ************************************************************************
                    """.formatted(AwsCli.EXECUTABLE);
            if ("true".equals(System.getenv("CI"))) {
                fail(banner);
            }
            System.err.println(banner);
            Assumptions.abort(banner);
        }
        server = SimulatorServer.ephemeral(TIME_SCALE).start();
        aws = new AwsCli(server.endpoint());
    }

    @AfterAll
    static void stopSimulator() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void callerIdentityRegistryLoginAndZones() {
        JsonNode identity = aws.json("sts", "get-caller-identity");
        assertThat(identity.path("Account").asText()).isEqualTo(Cloud.ACCOUNT_ID);
        assertThat(identity.path("Arn").asText()).startsWith("arn:aws:iam::" + Cloud.ACCOUNT_ID + ":");

        String password = aws.text("ecr", "get-login-password");
        assertThat(password).isNotBlank().doesNotContain("AWS:").doesNotContainAnyWhitespaces();

        JsonNode authorization = aws.json("ecr", "get-authorization-token").path("authorizationData").get(0);
        String token = new String(Base64.getDecoder().decode(authorization.path("authorizationToken").asText()),
                StandardCharsets.UTF_8);
        assertThat(token).startsWith("AWS:").hasSizeGreaterThan("AWS:".length());
        assertThat(authorization.path("proxyEndpoint").asText())
                .isEqualTo("https://" + Cloud.ACCOUNT_ID + ".dkr.ecr.us-west-2.amazonaws.com");

        JsonNode zones = aws.json("ec2", "describe-availability-zones").path("AvailabilityZones");
        assertThat(zones.findValuesAsText("ZoneName")).containsExactly("us-west-2a", "us-west-2b", "us-west-2c");
        assertThat(zones.findValuesAsText("State")).containsOnly("available");
    }

    @Test
    void deployCreatesThenUpdatesThroughChangeSets() {
        String stack = "cli-deploy";
        AwsCli.Result created = deploy(stack, "SnapshotSize=60");
        assertThat(created.stdout()).contains("Successfully created/updated stack - " + stack);

        JsonNode described = aws.json("cloudformation", "describe-stacks", "--stack-name", stack).path("Stacks").get(0);
        assertThat(described.path("StackStatus").asText()).isEqualTo("CREATE_COMPLETE");
        assertThat(texts(described.path("Capabilities"))).containsExactly(CAPABILITY);
        JsonNode ami = parameter(described, "AmiID");
        assertThat(ami.path("ParameterValue").asText()).isEqualTo("/aws/service/bottlerocket/aws-k8s-1.32/x86_64/latest/image_id");
        assertThat(ami.path("ResolvedValue").asText()).startsWith("ami-");
        String firstInstance = instanceIdOutput(stack);
        assertThat(dataVolume(firstInstance).path("Size").asInt()).isEqualTo(60);

        AwsCli.Result unchanged = deploy(stack, "SnapshotSize=60", "--no-fail-on-empty-changeset");
        assertThat(unchanged.stdout()).contains("No changes to deploy. Stack " + stack + " is up to date");
        AwsCli.Result failedOnEmpty = aws.run("cloudformation", "deploy", "--template-file", template("/cli/ebs-snapshot-instance.yaml"),
                "--stack-name", stack, "--capabilities", CAPABILITY, "--parameter-overrides", "SnapshotSize=60",
                "--fail-on-empty-changeset");
        assertThat(failedOnEmpty.exitCode()).isEqualTo(255);
        assertThat(failedOnEmpty.stderr()).contains("No changes to deploy");

        String review = deploy(stack, "SnapshotSize=80", "--no-execute-changeset").stdout();
        Matcher changeSetArn = Pattern.compile("--change-set-name (arn:aws:cloudformation:\\S+)").matcher(review);
        assertThat(changeSetArn.find()).as("deploy prints how to review the change set: %s", review).isTrue();
        JsonNode changeSet = aws.json("cloudformation", "describe-change-set", "--change-set-name", changeSetArn.group(1));
        assertThat(changeSet.path("Status").asText()).isEqualTo("CREATE_COMPLETE");
        assertThat(changeSet.path("ExecutionStatus").asText()).isEqualTo("AVAILABLE");
        assertThat(changeSet.path("Changes").findValuesAsText("LogicalResourceId"))
                .containsExactly("BottlerocketLaunchTemplate", "BottlerocketInstance");
        assertThat(changeSet.path("Changes").findValuesAsText("Replacement"))
                .as("the template changes in place; the instance changes if its template version does")
                .containsExactly("False", "Conditional");
        aws.succeed("cloudformation", "delete-change-set", "--change-set-name", changeSetArn.group(1));
        assertThat(instanceIdOutput(stack)).as("a change set not executed changes nothing").isEqualTo(firstInstance);

        deploy(stack, "SnapshotSize=80");
        JsonNode updated = aws.json("cloudformation", "describe-stacks", "--stack-name", stack).path("Stacks").get(0);
        assertThat(updated.path("StackStatus").asText()).isEqualTo("UPDATE_COMPLETE");
        assertThat(parameter(updated, "SnapshotSize").path("ParameterValue").asText()).isEqualTo("80");
        assertThat(parameter(updated, "InstanceType").path("ParameterValue").asText()).isEqualTo("m5.large");
        String secondInstance = instanceIdOutput(stack);
        assertThat(secondInstance).as("a new launch template version replaces the instance").isNotEqualTo(firstInstance);
        assertThat(dataVolume(secondInstance).path("Size").asInt()).isEqualTo(80);
        assertThat(instanceState(firstInstance)).isEqualTo("terminated");

        JsonNode events = aws.json("cloudformation", "describe-stack-events", "--stack-name", stack).path("StackEvents");
        assertThat(events.get(0).path("LogicalResourceId").asText()).isEqualTo(stack);
        assertThat(events.get(0).path("ResourceStatus").asText()).isEqualTo("UPDATE_COMPLETE");
        assertThat(statuses(events, "BottlerocketInstance")).containsSubsequence(
                "DELETE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_IN_PROGRESS", "CREATE_COMPLETE", "CREATE_IN_PROGRESS");
        assertThat(statuses(events, stack)).containsSubsequence("UPDATE_COMPLETE",
                "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_IN_PROGRESS", "CREATE_COMPLETE", "REVIEW_IN_PROGRESS");

        AwsCli.Result failedUpdate = aws.run("cloudformation", "deploy", "--template-file",
                template("/cli/ebs-snapshot-instance.yaml"), "--stack-name", stack, "--capabilities", CAPABILITY,
                "--parameter-overrides", "AmiID=/aws/service/bottlerocket/aws-k8s-1.32/arm64/latest/image_id");
        assertThat(failedUpdate.exitCode()).as("an arm64 AMI on m5.large cannot launch").isEqualTo(255);
        assertThat(failedUpdate.stderr()).contains("Failed to create/update the stack");
        JsonNode rolledBack = aws.json("cloudformation", "describe-stacks", "--stack-name", stack).path("Stacks").get(0);
        assertThat(rolledBack.path("StackStatus").asText()).isEqualTo("UPDATE_ROLLBACK_COMPLETE");
        assertThat(parameter(rolledBack, "AmiID").path("ParameterValue").asText()).contains("/x86_64/");
        assertThat(instanceIdOutput(stack)).isEqualTo(secondInstance);
        assertThat(instanceState(secondInstance)).isEqualTo("running");

        deleteStack(stack);
        assertThat(instanceState(secondInstance)).isEqualTo("terminated");
    }

    @Test
    void deployAfterReviewingTheCreateChangeSet() {
        String stack = "cli-reviewed";
        assertThat(deploy(stack, "SnapshotSize=40", "--no-execute-changeset").stdout())
                .contains("aws cloudformation describe-change-set --change-set-name");
        assertThat(aws.text("cloudformation", "describe-stacks", "--stack-name", stack, "--query",
                "Stacks[0].StackStatus", "--output", "text")).isEqualTo("REVIEW_IN_PROGRESS");

        deploy(stack, "SnapshotSize=40");
        assertThat(aws.text("cloudformation", "describe-stacks", "--stack-name", stack, "--query",
                "Stacks[0].StackStatus", "--output", "text")).isEqualTo("CREATE_COMPLETE");
        assertThat(dataVolume(instanceIdOutput(stack)).path("Size").asInt()).isEqualTo(40);
        deleteStack(stack);
    }

    @Test
    void createStackWithPrecacheTemplate() {
        String body = "file://" + Path.of("../deploy/cloudformation/build-instance.yaml").toAbsolutePath().normalize();
        JsonNode validated = aws.json("cloudformation", "validate-template", "--template-body", body);
        assertThat(texts(validated.path("Capabilities"))).containsExactly("CAPABILITY_IAM");
        assertThat(validated.path("Parameters").findValuesAsText("ParameterKey"))
                .contains("AmiId", "VolumeSize", "BuildId", "BuildName");
        JsonNode summary = aws.json("cloudformation", "get-template-summary", "--template-body", body);
        assertThat(texts(summary.path("ResourceTypes"))).containsExactly(
                "AWS::IAM::Role", "AWS::IAM::InstanceProfile", "AWS::EC2::LaunchTemplate", "AWS::EC2::Instance");
        assertThat(summary.path("Parameters").findValuesAsText("ParameterType"))
                .contains("AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>");

        String stack = "precache-cli-build";
        String[] create = {"cloudformation", "create-stack", "--stack-name", stack, "--template-body", body,
                "--parameters", "ParameterKey=BuildId,ParameterValue=build-42", "ParameterKey=BuildName,ParameterValue=cli",
                "ParameterKey=VolumeSize,ParameterValue=70"};
        AwsCli.Result withoutCapability = aws.run(create);
        assertThat(withoutCapability.exitCode()).isEqualTo(254);
        assertThat(withoutCapability.stderr()).contains("InsufficientCapabilitiesException", "CAPABILITY_IAM");

        List<String> withCapability = new ArrayList<>(List.of(create));
        withCapability.addAll(List.of("--capabilities", "CAPABILITY_IAM"));
        String stackId = aws.json(withCapability.toArray(String[]::new)).path("StackId").asText();
        assertThat(stackId).startsWith("arn:aws:cloudformation:us-west-2:" + Cloud.ACCOUNT_ID + ":stack/" + stack + "/");
        aws.succeed("cloudformation", "wait", "stack-create-complete", "--stack-name", stack);

        String instanceId = instanceIdOutput(stack);
        JsonNode events = aws.json("cloudformation", "describe-stack-events", "--stack-name", stack).path("StackEvents");
        assertThat(statuses(events, "Instance")).containsExactly("CREATE_COMPLETE", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS");
        assertThat(events.findValuesAsText("PhysicalResourceId")).contains(instanceId);
        JsonNode volumes = aws.json("ec2", "describe-volumes", "--filters",
                "Name=attachment.instance-id,Values=" + instanceId, "Name=tag:precache:build-id,Values=build-42")
                .path("Volumes");
        assertThat(volumes.findValuesAsText("Device")).containsExactlyInAnyOrder("/dev/xvda", "/dev/xvdb");
        assertThat(dataVolume(instanceId).path("Size").asInt()).isEqualTo(70);

        deleteStack(stack);
        assertThat(aws.json("cloudformation", "describe-stacks", "--stack-name", stackId)
                .path("Stacks").get(0).path("StackStatus").asText()).isEqualTo("DELETE_COMPLETE");
        assertThat(aws.json("ec2", "describe-volumes", "--filters", "Name=tag:precache:build-id,Values=build-42")
                .path("Volumes")).isEmpty();
    }

    @Test
    void fastSnapshotRestoreAndVolumeInitializationThroughTheCli() {
        String body = "file://" + Path.of("../deploy/cloudformation/build-instance.yaml").toAbsolutePath().normalize();
        String source = "precache-cli-fsr-source";
        createBuildStack(body, source, "fsr-source");
        String volumeId = dataVolume(instanceIdOutput(source)).path("VolumeId").asText();
        String snapshotId = aws.text("ec2", "create-snapshot", "--volume-id", volumeId, "--query", "SnapshotId",
                "--output", "text");
        aws.succeed("ec2", "wait", "snapshot-completed", "--snapshot-ids", snapshotId);

        JsonNode enabled = aws.json("ec2", "enable-fast-snapshot-restores", "--source-snapshot-ids", snapshotId,
                "--availability-zones", "us-west-2a", "us-west-2b");
        assertThat(enabled.path("Unsuccessful")).isEmpty();
        assertThat(enabled.path("Successful").findValuesAsText("State")).containsExactly("enabling", "enabling");
        JsonNode described = aws.json("ec2", "describe-fast-snapshot-restores", "--filters",
                "Name=snapshot-id,Values=" + snapshotId, "Name=availability-zone,Values=us-west-2a")
                .path("FastSnapshotRestores");
        assertThat(described).hasSize(1);
        assertThat(described.get(0).path("State").asText()).isEqualTo("enabled");
        assertThat(described.get(0).path("EnabledTime").asText()).isNotEmpty();

        String restored = "precache-cli-fsr-restored";
        createBuildStack(body, restored, "fsr-restored", "ParameterKey=DataSnapshotId,ParameterValue=" + snapshotId,
                "ParameterKey=DataVolumeInitializationRate,ParameterValue=300");
        // Debian's CLI (2.9) predates VolumeInitializationRate and InitializationStatusDetails (2025) and drops them
        // from its output; RestoreSpeedSdkTest reads them with the SDK. A provisioned rate overrides FSR:
        JsonNode volume = dataVolume(instanceIdOutput(restored));
        assertThat(volume.path("FastRestored").asBoolean()).isFalse();
        assertThat(aws.json("ec2", "describe-volume-status", "--volume-ids", volume.path("VolumeId").asText())
                .path("VolumeStatuses").get(0).path("VolumeStatus").path("Status").asText()).isEqualTo("ok");
        String fast = "precache-cli-fsr-fast";
        createBuildStack(body, fast, "fsr-fast", "ParameterKey=DataSnapshotId,ParameterValue=" + snapshotId);
        assertThat(dataVolume(instanceIdOutput(fast)).path("FastRestored").asBoolean()).isTrue();

        JsonNode disabled = aws.json("ec2", "disable-fast-snapshot-restores", "--source-snapshot-ids", snapshotId,
                "--availability-zones", "us-west-2a", "us-west-2c");
        assertThat(disabled.path("Successful").findValuesAsText("State")).containsExactly("disabling");
        assertThat(disabled.path("Unsuccessful").get(0).path("FastSnapshotRestoreStateErrors").get(0)
                .path("AvailabilityZone").asText()).isEqualTo("us-west-2c");
        AwsCli.Result badZone = aws.run("ec2", "enable-fast-snapshot-restores", "--source-snapshot-ids", snapshotId,
                "--availability-zones", "eu-west-1a");
        assertThat(badZone.exitCode()).isEqualTo(254);
        assertThat(badZone.stderr()).contains("InvalidParameterValue", "Invalid availability zone: [eu-west-1a]");
        deleteStack(fast);
        deleteStack(restored);
        deleteStack(source);
    }

    private static void createBuildStack(String body, String stack, String buildId, String... parameters) {
        List<String> create = new ArrayList<>(List.of("cloudformation", "create-stack", "--stack-name", stack,
                "--template-body", body, "--capabilities", "CAPABILITY_IAM", "--parameters",
                "ParameterKey=BuildId,ParameterValue=" + buildId, "ParameterKey=BuildName,ParameterValue=cli",
                "ParameterKey=VolumeSize,ParameterValue=20"));
        create.addAll(List.of(parameters));
        aws.succeed(create.toArray(String[]::new));
        aws.succeed("cloudformation", "wait", "stack-create-complete", "--stack-name", stack);
    }

    @Test
    void updateStackRetagsTheBuilderStackAndRefusesAnUpdateThatChangesNothing() {
        String body = "file://" + Path.of("../deploy/cloudformation/builder.yaml").toAbsolutePath().normalize();
        String stack = "precache-builder-cli";
        aws.succeed("cloudformation", "create-stack", "--stack-name", stack, "--template-body", body,
                "--capabilities", "CAPABILITY_IAM", "--parameters", "ParameterKey=BuilderVersion,ParameterValue=1",
                "--tags", "Key=precache:component,Value=builder", "Key=precache:builder-version,Value=1");
        aws.succeed("cloudformation", "wait", "stack-create-complete", "--stack-name", stack);
        String profile = aws.text("cloudformation", "describe-stacks", "--stack-name", stack, "--query",
                "Stacks[0].Outputs[?OutputKey=='InstanceProfileName'].OutputValue", "--output", "text");

        aws.succeed("cloudformation", "update-stack", "--stack-name", stack, "--template-body", body,
                "--capabilities", "CAPABILITY_IAM", "--parameters", "ParameterKey=BuilderVersion,ParameterValue=2",
                "--tags", "Key=precache:component,Value=builder", "Key=precache:builder-version,Value=2");
        aws.succeed("cloudformation", "wait", "stack-update-complete", "--stack-name", stack);

        JsonNode updated = aws.json("cloudformation", "describe-stacks", "--stack-name", stack).path("Stacks").get(0);
        assertThat(updated.path("StackStatus").asText()).isEqualTo("UPDATE_COMPLETE");
        assertThat(parameter(updated, "BuilderVersion").path("ParameterValue").asText()).isEqualTo("2");
        assertThat(updated.path("Tags").findValuesAsText("Value")).containsExactly("builder", "2");
        assertThat(aws.text("cloudformation", "describe-stacks", "--stack-name", stack, "--query",
                "Stacks[0].Outputs[?OutputKey=='InstanceProfileName'].OutputValue", "--output", "text"))
                .as("only the version changed: the profile stays").isEqualTo(profile);

        AwsCli.Result unchanged = aws.run("cloudformation", "update-stack", "--stack-name", stack,
                "--template-body", body, "--capabilities", "CAPABILITY_IAM", "--parameters",
                "ParameterKey=BuilderVersion,UsePreviousValue=true");
        assertThat(unchanged.exitCode()).isEqualTo(254);
        assertThat(unchanged.stderr()).contains("ValidationError", "No updates are to be performed.");
        deleteStack(stack);
    }

    @Test
    void runCommandForms() {
        String stack = "cli-run-command";
        deploy(stack, "SnapshotSize=20");
        String instanceId = instanceIdOutput(stack);

        JsonNode byFilters = aws.json("ssm", "describe-instance-information", "--filters",
                "Key=InstanceIds,Values=" + instanceId).path("InstanceInformationList");
        assertThat(byFilters).hasSize(1);
        assertThat(byFilters.get(0).path("PingStatus").asText()).isEqualTo("Online");
        assertThat(byFilters.get(0).path("PlatformName").asText()).isEqualTo("Bottlerocket");
        assertThat(aws.text("ssm", "describe-instance-information", "--instance-information-filter-list",
                "key=InstanceIds,valueSet=" + instanceId, "--query", "InstanceInformationList[0].PingStatus",
                "--output", "text")).isEqualTo("Online");

        String listForm = sendCommand(instanceId, "commands=[\"echo one\",\"echo two\"]");
        aws.succeed("ssm", "wait", "command-executed", "--command-id", listForm, "--instance-id", instanceId);
        JsonNode invocation = aws.json("ssm", "get-command-invocation", "--command-id", listForm,
                "--instance-id", instanceId);
        assertThat(invocation.path("Status").asText()).isEqualTo("Success");
        assertThat(invocation.path("ResponseCode").asInt()).isZero();
        assertThat(invocation.path("StandardOutputContent").asText()).isEqualTo("one\ntwo\n");

        String shorthand = sendCommand(instanceId, "commands=echo shorthand");
        aws.succeed("ssm", "wait", "command-executed", "--command-id", shorthand, "--instance-id", instanceId);
        JsonNode listed = aws.json("ssm", "list-command-invocations", "--command-id", shorthand, "--details")
                .path("CommandInvocations");
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).path("Status").asText()).isEqualTo("Success");
        JsonNode plugin = listed.get(0).path("CommandPlugins").get(0);
        assertThat(plugin.path("Name").asText()).isEqualTo("aws:runShellScript");
        assertThat(plugin.path("Output").asText()).isEqualTo("shorthand\n");

        String unknown = sendCommand(instanceId, "commands=nvidia-smi");
        AwsCli.Result waitFailed = aws.run("ssm", "wait", "command-executed", "--command-id", unknown,
                "--instance-id", instanceId);
        assertThat(waitFailed.exitCode()).isEqualTo(255);
        assertThat(waitFailed.stderr()).contains("terminal failure state");
        JsonNode failed = aws.json("ssm", "get-command-invocation", "--command-id", unknown, "--instance-id", instanceId);
        assertThat(failed.path("Status").asText()).isEqualTo("Failed");
        assertThat(failed.path("ResponseCode").asInt()).isEqualTo(127);

        deleteStack(stack);
    }

    @Test
    void parameterStore() {
        String name = "/precache/cli/snapshot-id";
        assertThat(aws.json("ssm", "put-parameter", "--name", name, "--type", "String", "--value", "snap-1")
                .path("Version").asInt()).isEqualTo(1);
        AwsCli.Result again = aws.run("ssm", "put-parameter", "--name", name, "--type", "String", "--value", "snap-2");
        assertThat(again.exitCode()).isEqualTo(254);
        assertThat(again.stderr()).contains("ParameterAlreadyExists");
        assertThat(aws.json("ssm", "put-parameter", "--name", name, "--type", "String", "--value", "snap-2",
                "--overwrite").path("Version").asInt()).isEqualTo(2);
        JsonNode stored = aws.json("ssm", "get-parameter", "--name", name).path("Parameter");
        assertThat(stored.path("Value").asText()).isEqualTo("snap-2");
        assertThat(stored.path("Version").asInt()).isEqualTo(2);

        String secret = "/precache/cli/registry/password";
        aws.succeed("ssm", "put-parameter", "--name", secret, "--type", "SecureString", "--value", "s3cret");
        assertThat(aws.text("ssm", "get-parameter", "--name", secret, "--query", "Parameter.Value", "--output", "text"))
                .isNotEqualTo("s3cret");
        assertThat(aws.text("ssm", "get-parameter", "--name", secret, "--with-decryption", "--query",
                "Parameter.Value", "--output", "text")).isEqualTo("s3cret");

        String ami = "/aws/service/bottlerocket/aws-k8s-1.33/arm64/latest/image_id";
        JsonNode several = aws.json("ssm", "get-parameters", "--names", name, ami, "/precache/cli/missing");
        assertThat(several.path("Parameters").findValuesAsText("Name")).containsExactly(name, ami);
        assertThat(several.path("Parameters").get(1).path("Value").asText()).startsWith("ami-");
        assertThat(texts(several.path("InvalidParameters"))).containsExactly("/precache/cli/missing");

        assertThat(aws.json("ssm", "get-parameters-by-path", "--path", "/precache/cli", "--recursive")
                .path("Parameters").findValuesAsText("Name")).containsExactlyInAnyOrder(name, secret);
        assertThat(aws.json("ssm", "get-parameters-by-path", "--path", "/precache/cli")
                .path("Parameters").findValuesAsText("Name")).containsExactly(name);
    }

    /** snapshot.sh's steps, by CLI alone, down to what the snapshot holds. */
    @Test
    void snapshotShFlow() {
        String stack = "cli-snapshot-sh";
        deploy(stack, "InstanceType=m5.large", "SnapshotSize=30");
        String instanceId = instanceIdOutput(stack);
        assertThat(aws.text("ssm", "describe-instance-information", "--filters", "Key=InstanceIds,Values=" + instanceId,
                "--query", "InstanceInformationList[0].PingStatus", "--output", "text")).isEqualTo("Online");

        String commandId = aws.text("ssm", "send-command", "--instance-ids", instanceId,
                "--document-name", "AWS-RunShellScript", "--comment", "pull busybox",
                "--parameters", "commands=[\"apiclient exec admin sheltie systemctl stop kubelet\","
                        + "\"" + CTR + " images pull --label io.cri-containerd.image=managed --platform linux/amd64 "
                        + BUSYBOX + "\"]",
                "--query", "Command.CommandId", "--output", "text");
        aws.succeed("ssm", "wait", "command-executed", "--command-id", commandId, "--instance-id", instanceId);
        JsonNode pulled = aws.json("ssm", "get-command-invocation", "--command-id", commandId, "--instance-id", instanceId);
        assertThat(pulled.path("Status").asText()).isEqualTo("Success");
        assertThat(pulled.path("StandardOutputContent").asText()).contains(BUSYBOX, "unpacking linux/amd64");
        assertThat(Duration.parse(pulled.path("ExecutionElapsedTime").asText()))
                .as("a 2 MiB pull's simulated duration").isPositive().isLessThan(Duration.ofMinutes(1));

        JsonNode stopping = aws.json("ec2", "stop-instances", "--instance-ids", instanceId).path("StoppingInstances").get(0);
        assertThat(stopping.path("PreviousState").path("Name").asText()).isEqualTo("running");
        assertThat(stopping.path("CurrentState").path("Name").asText()).isEqualTo("stopping");
        aws.succeed("ec2", "wait", "instance-stopped", "--instance-ids", instanceId);
        JsonNode status = aws.json("ec2", "describe-instance-status", "--instance-ids", instanceId,
                "--include-all-instances").path("InstanceStatuses");
        assertThat(status.get(0).path("InstanceState").path("Name").asText()).isEqualTo("stopped");
        assertThat(aws.json("ec2", "describe-instance-status", "--instance-ids", instanceId).path("InstanceStatuses"))
                .as("without --include-all-instances only running instances are listed").isEmpty();
        assertThat(aws.text("ssm", "describe-instance-information", "--filters", "Key=InstanceIds,Values=" + instanceId,
                "--query", "InstanceInformationList[0].PingStatus", "--output", "text")).isEqualTo("ConnectionLost");

        String volumeId = aws.text("ec2", "describe-instances", "--instance-ids", instanceId, "--query",
                "Reservations[0].Instances[0].BlockDeviceMappings[?DeviceName=='/dev/xvdb'].Ebs.VolumeId",
                "--output", "text");
        assertThat(volumeId).startsWith("vol-");
        assertThat(aws.text("ec2", "describe-instances", "--filters", "Name=instance-state-name,Values=stopped",
                "Name=tag:aws:cloudformation:stack-name,Values=" + stack, "--query",
                "Reservations[].Instances[].InstanceId", "--output", "text")).isEqualTo(instanceId);

        JsonNode snapshot = aws.json("ec2", "create-snapshot", "--volume-id", volumeId, "--description", BUSYBOX,
                "--tag-specifications", "ResourceType=snapshot,Tags=[{Key=Name,Value=" + stack + "},{Key=Build,Value=cli-1}]");
        String snapshotId = snapshot.path("SnapshotId").asText();
        assertThat(snapshotId).startsWith("snap-");
        assertThat(snapshot.path("State").asText()).isEqualTo("pending");
        aws.succeed("ec2", "wait", "snapshot-completed", "--snapshot-ids", snapshotId);

        JsonNode byId = aws.json("ec2", "describe-snapshots", "--snapshot-ids", snapshotId).path("Snapshots").get(0);
        assertThat(byId.path("State").asText()).isEqualTo("completed");
        assertThat(byId.path("Progress").asText()).isEqualTo("100%");
        assertThat(byId.path("VolumeSize").asInt()).isEqualTo(30);
        assertThat(byId.path("Description").asText()).isEqualTo(BUSYBOX);
        assertThat(aws.json("ec2", "describe-snapshots", "--owner-ids", "self", "--filters", "Name=tag:Build,Values=cli-1")
                .path("Snapshots").findValuesAsText("SnapshotId")).containsExactly(snapshotId);
        aws.succeed("ec2", "create-tags", "--resources", snapshotId, "--tags", "Key=precache:verified,Value=true");
        assertThat(aws.json("ec2", "describe-snapshots", "--snapshot-ids", snapshotId, "--query", "Snapshots[0].Tags")
                .findValuesAsText("Key")).containsExactly("Name", "Build", "precache:verified");

        deleteStack(stack);
        assertThat(instanceState(instanceId)).isEqualTo("terminated");

        Snapshot recorded = server.cloud().snapshot(snapshotId).orElseThrow();
        assertThat(recorded.contents()).extracting(VolumeImage::image, VolumeImage::platform)
                .containsExactly(Tuple.tuple(BUSYBOX, "linux/amd64"));

        aws.succeed("ec2", "delete-snapshot", "--snapshot-id", snapshotId);
        AwsCli.Result gone = aws.run("ec2", "describe-snapshots", "--snapshot-ids", snapshotId);
        assertThat(gone.exitCode()).isEqualTo(254);
        assertThat(gone.stderr()).contains("InvalidSnapshot.NotFound");
    }

    // ---- steps ----

    private static AwsCli.Result deploy(String stack, String... overridesThenFlags) {
        List<String> args = new ArrayList<>(List.of("cloudformation", "deploy",
                "--template-file", template("/cli/ebs-snapshot-instance.yaml"), "--stack-name", stack,
                "--capabilities", CAPABILITY, "--parameter-overrides"));
        args.addAll(List.of(overridesThenFlags));
        return aws.succeed(args.toArray(String[]::new));
    }

    private static void deleteStack(String stack) {
        aws.succeed("cloudformation", "delete-stack", "--stack-name", stack);
        aws.succeed("cloudformation", "wait", "stack-delete-complete", "--stack-name", stack);
        AwsCli.Result described = aws.run("cloudformation", "describe-stacks", "--stack-name", stack);
        assertThat(described.exitCode()).isEqualTo(254);
        assertThat(described.stderr()).contains("Stack with id " + stack + " does not exist");
    }

    private static String sendCommand(String instanceId, String commands) {
        return aws.text("ssm", "send-command", "--instance-ids", instanceId, "--document-name", "AWS-RunShellScript",
                "--parameters", commands, "--query", "Command.CommandId", "--output", "text");
    }

    private static String instanceIdOutput(String stack) {
        String instanceId = aws.text("cloudformation", "describe-stacks", "--stack-name", stack, "--query",
                "Stacks[0].Outputs[?OutputKey=='InstanceId'].OutputValue", "--output", "text");
        assertThat(instanceId).matches("i-[0-9a-f]{17}");
        return instanceId;
    }

    private static JsonNode dataVolume(String instanceId) {
        JsonNode volumes = aws.json("ec2", "describe-volumes", "--filters", "Name=attachment.instance-id,Values="
                + instanceId, "Name=attachment.device,Values=/dev/xvdb").path("Volumes");
        assertThat(volumes).hasSize(1);
        return volumes.get(0);
    }

    private static String instanceState(String instanceId) {
        return aws.text("ec2", "describe-instances", "--instance-ids", instanceId, "--query",
                "Reservations[0].Instances[0].State.Name", "--output", "text");
    }

    // ---- JSON ----

    private static JsonNode parameter(JsonNode stack, String key) {
        for (JsonNode parameter : stack.path("Parameters")) {
            if (parameter.path("ParameterKey").asText().equals(key)) {
                return parameter;
            }
        }
        throw new AssertionError("no parameter " + key + " in " + stack);
    }

    /** The ResourceStatus of one logical resource's events, newest first. */
    private static List<String> statuses(JsonNode events, String logicalId) {
        List<String> statuses = new ArrayList<>();
        events.forEach(event -> {
            if (event.path("LogicalResourceId").asText().equals(logicalId)) {
                statuses.add(event.path("ResourceStatus").asText());
            }
        });
        return statuses;
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(item -> texts.add(item.asText()));
        return texts;
    }

    private static String template(String resource) {
        try {
            return Path.of(AwsCliConformanceTest.class.getResource(resource).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
