package dev.precache.simulator.instance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a script on the instance can do for itself: shell variables and command substitution, IMDSv2 (token, role,
 * credentials) and an AWS call signed with those credentials, answered as the instance role.
 */
class InstanceOwnCallsTest {
  private static final long LONG_AFTER = 60_000;
  private static final String IMDS = "http://169.254.169.254/latest";

  private final List<String> received = new ArrayList<>();
  private final InstanceAwsCalls aws = (service, region, target, body, caller, now) -> {
    received.add(service + " " + region + " " + target + " " + body + " as " + caller.roleName());
    return new InstanceAwsCalls.Answer(200, "{\"Parameter\":{\"Value\":\"cm9ib3Q6czNjcmV0\"}}");
  };

  private static InstanceRole role(String name) {
    return new InstanceRole() {
      @Override
      public String callerArn() {
        return "arn:aws:sts::123456789012:assumed-role/" + name + "/i-1";
      }

      @Override
      public String roleName() {
        return name;
      }

      @Override
      public boolean allows(String action, String resource) {
        return true;
      }

      @Override
      public boolean hasCredentials() {
        return true;
      }
    };
  }

  private ExecutionStatus run(InstanceRole role, String adminScript) {
    InstanceRuntime runtime = new InstanceRuntime(TestHost.k8s132(), RegistryCatalog.defaults(), List.of(), role,
        "i-1", aws);
    return runtime.start("apiclient exec admin bash -c '" + adminScript + "'", 0).poll(LONG_AFTER);
  }

  @Test
  void variablesAndCommandSubstitutionCarryValuesBetweenCommandsInsideDoubleQuotesOnly() {
    ExecutionStatus status = run(role("builder"), "set -o pipefail; greeting=$(echo \"hello   world\" | cut -d \" \" -f 1); "
        + "echo \"[$greeting] [${greeting}s]\" [$unset] \\$greeting; failed=$(false) || echo \"status kept\"");

    assertThat(status.stdout()).isEqualTo("[hello] [hellos] [] $greeting\nstatus kept\n");
  }

  @Test
  void imdsGivesATokenTheRoleAndItsCredentialsAndASignedCallWithThemReachesAwsAsTheRole() {
    String credentials = "token=$(curl -sS --fail-with-body -X PUT -H \"X-aws-ec2-metadata-token-ttl-seconds: 60\" "
        + IMDS + "/api/token); role=$(curl -sSf -H \"X-aws-ec2-metadata-token: $token\" " + IMDS
        + "/meta-data/iam/security-credentials/); json=$(curl -sSf -H \"X-aws-ec2-metadata-token: $token\" " + IMDS
        + "/meta-data/iam/security-credentials/$role); "
        + "key=$(echo \"$json\" | grep -o \"\\\"AccessKeyId\\\" : \\\"[^\\\"]*\\\"\" | cut -d \"\\\"\" -f 4); "
        + "secret=$(echo \"$json\" | grep -o \"\\\"SecretAccessKey\\\" : \\\"[^\\\"]*\\\"\" | cut -d \"\\\"\" -f 4); "
        + "session=$(echo \"$json\" | grep -o \"\\\"Token\\\" : \\\"[^\\\"]*\\\"\" | cut -d \"\\\"\" -f 4); ";
    String call = "curl -sS --aws-sigv4 aws:amz:us-west-2:ssm --user \"$key:$secret\" -H \"x-amz-security-token: "
        + "$session\" -H \"X-Amz-Target: AmazonSSM.GetParameter\" -d \"{}\" https://ssm.us-west-2.amazonaws.com/";

    ExecutionStatus signed = run(role("builder"), "set -eo pipefail; " + credentials + call
        + " | grep -o \"\\\"Value\\\":\\\"[^\\\"]*\\\"\" | cut -d \"\\\"\" -f 4 | base64 -d");
    ExecutionStatus wrongSecret = run(role("builder"), credentials + call.replace("$key:$secret", "$key:guessed"));
    ExecutionStatus unsigned = run(role("builder"), "curl -sS -H \"X-Amz-Target: AmazonSSM.GetParameter\" -d \"{}\" "
        + "https://ssm.us-west-2.amazonaws.com/");
    ExecutionStatus noToken = run(role("builder"), "curl -sS --fail-with-body " + IMDS
        + "/meta-data/iam/security-credentials/");
    ExecutionStatus noProfile = run(InstanceRole.none(), credentials.substring(0, credentials.indexOf("json=")));
    ExecutionStatus elsewhere = run(role("builder"), "curl -sS https://example.com/");
    ExecutionStatus onHost = new InstanceRuntime(TestHost.k8s132(), RegistryCatalog.defaults(), List.of(), role("b"),
        "i-1", aws).start("apiclient exec admin sheltie curl " + IMDS + "/api/token", 0).poll(LONG_AFTER);

    assertThat(signed.exitCode()).as(signed.stderr()).isZero();
    assertThat(signed.stdout()).isEqualTo("robot:s3cret");
    assertThat(received).containsExactly("ssm us-west-2 AmazonSSM.GetParameter {} as builder");
    assertThat(wrongSecret.stdout()).contains("InvalidSignatureException");
    assertThat(unsigned.stdout()).contains("MissingAuthenticationTokenException");
    assertThat(noToken.exitCode()).isEqualTo(22);
    assertThat(noToken.stderr()).isEqualTo("curl: (22) The requested URL returned error: 401\n");
    assertThat(noProfile.exitCode()).isEqualTo(22);
    assertThat(noProfile.stderr()).isEqualTo("curl: (22) The requested URL returned error: 404\n");
    assertThat(elsewhere.exitCode()).isEqualTo(6);
    assertThat(onHost.exitCode()).as("the host has no curl").isEqualTo(127);
  }
}
