package dev.precache.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;

/** moto answers the AWS SDK v2 and AWS CLI v2 on loopback, with dummy credentials. */
class MotoServerTest {
  @RegisterExtension
  static final MotoServer moto = new MotoServer();

  /** The account moto reports for any credentials. */
  private static final String MOTO_ACCOUNT = "123456789012";

  @Test
  void sdkCallerIdentityIsMotosAccount() {
    try (StsClient sts = StsClient.builder()
        .endpointOverride(moto.endpoint())
        .region(Region.of(MotoServer.REGION))
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY)))
        .httpClient(UrlConnectionHttpClient.create())
        .build()) {
      GetCallerIdentityResponse identity = sts.getCallerIdentity();
      assertThat(identity.account()).isEqualTo(MOTO_ACCOUNT);
    }
  }

  @Test
  void cliCallerIdentityIsMotosAccount() throws Exception {
    // /usr/bin/aws is AWS CLI v2 from Debian; a pip-installed v1 may come first on PATH.
    Path aws = RequiredTool.at(Path.of("/usr/bin/aws"));
    Path work = BuildDirectory.newDirectory("aws-cli-");
    Path stdout = work.resolve("stdout.json");
    Map<String, String> environment = Map.of(
        "AWS_ACCESS_KEY_ID", MotoServer.ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY", MotoServer.SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION", MotoServer.REGION,
        "AWS_EC2_METADATA_DISABLED", "true",
        // Keep the developer's own profiles out of the test.
        "AWS_CONFIG_FILE", work.resolve("config").toString(),
        "AWS_SHARED_CREDENTIALS_FILE", work.resolve("credentials").toString(),
        "AWS_PAGER", "");
    ChildProcess cli = ChildProcess.start("aws sts get-caller-identity",
        List.of(aws.toString(), "--endpoint-url", moto.endpoint().toString(), "--output", "json",
            "sts", "get-caller-identity"),
        environment, stdout, work.resolve("stderr.log"));

    assertThat(cli.waitFor(Duration.ofSeconds(60))).as("exit code; stderr:\n%s", cli.logTail()).isZero();
    assertThat(Files.readString(stdout, StandardCharsets.UTF_8)).contains("\"Account\": \"" + MOTO_ACCOUNT + "\"");
  }
}
