package dev.precache.activities;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pull command of a login parked in Parameter Store, run by real bash (as the control and admin containers
 * would), with stand-ins on PATH for what exists only on a build instance: apiclient and sheltie run their command,
 * curl answers as IMDS and SSM answer (IMDS's pretty-printed credentials, SSM's JSON 1.1 GetParameter response),
 * ctr prints its arguments one per line. Proves the quoting: the login reaches ctr as one argument whatever it holds,
 * the curl call carries the IMDS credentials, and a refused read stops before ctr.
 */
class ParameterLoginPullScriptTest {
  private static final String IMAGE = "registry.example.com/team/app:v1";
  private static final String PARAMETER = "/precache/builds/b-1/registry/registry.example.com/0123456789abcdef";
  private static final String PASSWORD = "p@ss w\"o$rd'\\`x`";

  @TempDir
  Path bin;

  @BeforeEach
  void standIns() throws IOException {
    script("apiclient", "shift 2; exec \"$@\"");
    script("sheltie", "exec \"$@\"");
    script("ctr", "printf 'ctr %s\\n' \"$@\"");
    script("curl", """
        url="${@: -1}"
        case "$url" in
          */api/token) printf 'AQAEAtoken' ;;
          */security-credentials/) printf 'precache-builder-InstanceRole' ;;
          */security-credentials/precache-builder-InstanceRole) printf '{\\n  "Code" : "Success",\\n  "Type" : "AWS-HMAC",\\n  "AccessKeyId" : "ASIAKEY",\\n  "SecretAccessKey" : "se/cr+et",\\n  "Token" : "IQoJsession=",\\n  "Expiration" : "2026-12-01T20:00:00Z"\\n}' ;;
          https://ssm.us-west-2.amazonaws.com/)
            printf 'curl %s\\n' "$@" >> "$CURL_LOG"
            cat "$SSM_ANSWER" ;;
          *) echo "curl: (6) Could not resolve host" >&2; exit 6 ;;
        esac
        """);
  }

  @Test
  void theLoginReachesCtrAsOneArgumentFromAGetParameterSignedWithTheImdsCredentials() throws Exception {
    String value = Base64.getEncoder().encodeToString(("robot:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    Run run = run("{\"Parameter\":{\"ARN\":\"arn:aws:ssm:us-west-2:123456789012:parameter" + PARAMETER + "\","
        + "\"DataType\":\"text\",\"LastModifiedDate\":1.7648E9,\"Name\":\"" + PARAMETER + "\",\"Type\":\"SecureString\","
        + "\"Value\":\"" + value + "\",\"Version\":1}}");

    assertThat(run.exitCode()).as(run.output()).isZero();
    List<String> ctr = run.output().lines().filter(line -> line.startsWith("ctr ")).map(line -> line.substring(4))
        .toList();
    assertThat(ctr.subList(0, ctr.indexOf(IMAGE) + 1)).endsWith("--user", "robot:" + PASSWORD, IMAGE)
        .startsWith("-a", "/run/containerd/containerd.sock", "-n", "k8s.io", "images", "pull");
    assertThat(Files.readAllLines(bin.resolve("curl.log"))).containsSubsequence("curl --aws-sigv4",
        "curl aws:amz:us-west-2:ssm", "curl --user", "curl ASIAKEY:se/cr+et", "curl -H",
        "curl x-amz-security-token: IQoJsession=", "curl -H", "curl X-Amz-Target: AmazonSSM.GetParameter");
    assertThat(Files.readString(bin.resolve("curl.log")))
        .contains("curl {\"Name\":\"" + PARAMETER + "\",\"WithDecryption\":true}");
    assertThat(command()).doesNotContain(PASSWORD, value);
  }

  @Test
  void aRefusedReadPrintsSsmsErrorAndNeverRunsCtr() throws Exception {
    Run run = run("{\"__type\":\"AccessDeniedException\",\"message\":\"User: arn:aws:sts::123456789012:assumed-role/"
        + "team/i-1 is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:us-west-2:123456789012:"
        + "parameter" + PARAMETER + " because no identity-based policy allows the ssm:GetParameter action\"}");

    assertThat(run.exitCode()).isNotZero();
    assertThat(run.output()).contains("ssm GetParameter " + PARAMETER + " with the instance role: ",
        "is not authorized to perform: ssm:GetParameter").doesNotContain("ctr ");
  }

  private static String command() {
    return Containerd.pullWithParameterLoginAndList(IMAGE, "linux/amd64", "us-west-2", PARAMETER, true);
  }

  private record Run(int exitCode, String output) {}

  private Run run(String ssmAnswer) throws Exception {
    Path answer = Files.writeString(bin.resolve("ssm-answer.json"), ssmAnswer);
    ProcessBuilder bash = new ProcessBuilder("bash", "-c", command()).redirectErrorStream(true);
    bash.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    bash.environment().put("SSM_ANSWER", answer.toString());
    bash.environment().put("CURL_LOG", bin.resolve("curl.log").toString());
    Process process = bash.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Run(process.exitValue(), output);
  }

  private void script(String name, String body) throws IOException {
    Path file = Files.writeString(bin.resolve(name), "#!/bin/bash\n" + body + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
