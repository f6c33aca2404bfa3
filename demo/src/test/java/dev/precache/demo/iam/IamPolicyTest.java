package dev.precache.demo.iam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.precache.demo.iam.IamPolicy.Decision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluator against the IAM User Guide's evaluation logic ("Policy evaluation logic": default deny, an explicit
 * Deny overrides any Allow) and its condition operators ("IAM JSON policy elements: Condition operators",
 * "Single-valued vs. multivalued context keys").
 */
class IamPolicyTest {

  private static final String SNAPSHOT = "arn:aws:ec2:us-west-2::snapshot/snap-1";

  @Test
  void nothingIsAllowedThatNoStatementAllows() throws IOException {
    IamPolicy policy = policy(allow("ec2:DescribeSnapshots", "*"));

    assertThat(policy.evaluate(request("ec2:DeleteSnapshot", SNAPSHOT))).isEqualTo(Decision.IMPLICITLY_DENIED);
    assertThat(policy.evaluate(request("ec2:DescribeSnapshots", SNAPSHOT))).isEqualTo(Decision.ALLOWED);
  }

  @Test
  void anExplicitDenyOverridesAnAllowWhateverTheOrder() throws IOException {
    String deny = "{\"Effect\":\"Deny\",\"Action\":\"ec2:*\",\"Resource\":\"*\"}";

    assertThat(policy(allow("ec2:DeleteSnapshot", "*"), deny).evaluate(request("ec2:DeleteSnapshot", SNAPSHOT)))
        .isEqualTo(Decision.EXPLICITLY_DENIED);
    assertThat(policy(deny, allow("ec2:DeleteSnapshot", "*")).evaluate(request("ec2:DeleteSnapshot", SNAPSHOT)))
        .isEqualTo(Decision.EXPLICITLY_DENIED);
  }

  @Test
  void actionsMatchCaseInsensitivelyWithWildcardsAndResourcesCaseSensitively() throws IOException {
    IamPolicy policy = policy(allow("ec2:Describe*", "arn:aws:ec2:*:*:instance/i-?bc"));

    assertThat(policy.evaluate(request("EC2:describeinstances", "arn:aws:ec2:us-west-2:1:instance/i-abc")))
        .isEqualTo(Decision.ALLOWED);
    assertThat(policy.evaluate(request("ec2:DescribeInstances", "arn:aws:ec2:us-west-2:1:instance/i-ABC")))
        .isEqualTo(Decision.IMPLICITLY_DENIED);
    assertThat(policy.evaluate(request("ec2:DescribeInstances", "arn:aws:ec2:us-west-2:1:instance/i-abcd")))
        .as("? is one character").isEqualTo(Decision.IMPLICITLY_DENIED);
    assertThat(policy.evaluate(request("ec2:RunInstances", "arn:aws:ec2:us-west-2:1:instance/i-abc")))
        .isEqualTo(Decision.IMPLICITLY_DENIED);
  }

  @Test
  void notActionAndNotResourceMatchEverythingElse() throws IOException {
    IamPolicy policy = policy("{\"Effect\":\"Allow\",\"NotAction\":\"iam:*\",\"NotResource\":\"" + SNAPSHOT + "\"}");

    assertThat(policy.evaluate(request("ec2:DeleteSnapshot", "arn:aws:ec2:us-west-2::snapshot/snap-2")))
        .isEqualTo(Decision.ALLOWED);
    assertThat(policy.evaluate(request("ec2:DeleteSnapshot", SNAPSHOT))).isEqualTo(Decision.IMPLICITLY_DENIED);
    assertThat(policy.evaluate(request("iam:PassRole", "arn:aws:iam::1:role/x"))).isEqualTo(Decision.IMPLICITLY_DENIED);
  }

  @Test
  void valuesOfOneKeyAreAlternativesWhileKeysAndOperatorsMustAllHold() throws IOException {
    IamPolicy policy = policy(allow("ec2:DeleteSnapshot", "*",
        "{\"StringEquals\":{\"aws:ResourceTag/precache:state\":[\"building\",\"failed\"]},"
            + "\"StringLike\":{\"aws:ResourceTag/precache:build-id\":\"precache-*\"}}"));
    IamRequest building = request("ec2:DeleteSnapshot", SNAPSHOT).with("aws:ResourceTag/precache:state", "building");

    assertThat(policy.evaluate(building.with("aws:ResourceTag/precache:build-id", "precache-b1")))
        .isEqualTo(Decision.ALLOWED);
    assertThat(policy.evaluate(building.with("aws:ResourceTag/precache:build-id", "other-b1")))
        .isEqualTo(Decision.IMPLICITLY_DENIED);
    assertThat(policy.evaluate(building)).as("a missing key fails StringLike").isEqualTo(Decision.IMPLICITLY_DENIED);
    assertThat(policy.evaluate(request("ec2:DeleteSnapshot", SNAPSHOT)
        .with("aws:ResourceTag/precache:state", "published").with("aws:ResourceTag/precache:build-id", "precache-b1")))
        .isEqualTo(Decision.IMPLICITLY_DENIED);
  }

  @Test
  void conditionKeyNamesAreCaseInsensitiveButValuesAreNot() throws IOException {
    IamPolicy policy = policy(allow("ec2:DeleteSnapshot", "*",
        "{\"StringEquals\":{\"aws:resourcetag/precache:state\":\"building\"}}"));

    assertThat(policy.evaluate(request("ec2:DeleteSnapshot", SNAPSHOT).with("aws:ResourceTag/precache:state", "building")))
        .isEqualTo(Decision.ALLOWED);
    assertThat(policy.evaluate(request("ec2:DeleteSnapshot", SNAPSHOT).with("aws:ResourceTag/precache:state", "Building")))
        .isEqualTo(Decision.IMPLICITLY_DENIED);
  }

  @Test
  void negatedOperatorsHoldWhenTheKeyIsMissingAndIfExistsMakesPositiveOnesHoldToo() throws IOException {
    IamPolicy notEquals = policy(allow("ec2:DeleteSnapshot", "*",
        "{\"StringNotEquals\":{\"aws:ResourceTag/precache:state\":\"published\"}}"));
    IamPolicy equalsIfExists = policy(allow("ec2:DeleteSnapshot", "*",
        "{\"StringEqualsIfExists\":{\"aws:ResourceTag/precache:state\":\"building\"}}"));

    assertThat(notEquals.evaluate(request("ec2:DeleteSnapshot", SNAPSHOT))).isEqualTo(Decision.ALLOWED);
    assertThat(notEquals.evaluate(request("ec2:DeleteSnapshot", SNAPSHOT).with("aws:ResourceTag/precache:state",
        "published"))).isEqualTo(Decision.IMPLICITLY_DENIED);
    assertThat(equalsIfExists.evaluate(request("ec2:DeleteSnapshot", SNAPSHOT))).isEqualTo(Decision.ALLOWED);
    assertThat(equalsIfExists.evaluate(request("ec2:DeleteSnapshot", SNAPSHOT).with("aws:ResourceTag/precache:state",
        "published"))).isEqualTo(Decision.IMPLICITLY_DENIED);
  }

  @Test
  void nullTestsWhetherTheKeyIsPresent() throws IOException {
    IamPolicy mustHave = policy(allow("ec2:CreateSnapshot", "*",
        "{\"Null\":{\"aws:RequestTag/precache:build-id\":\"false\"}}"));
    IamPolicy mustNotHave = policy(allow("ec2:CreateSnapshot", "*",
        "{\"Null\":{\"aws:RequestTag/precache:build-id\":\"true\"}}"));
    IamRequest tagged = request("ec2:CreateSnapshot", SNAPSHOT).with("aws:RequestTag/precache:build-id", "b");

    assertThat(mustHave.evaluate(tagged)).isEqualTo(Decision.ALLOWED);
    assertThat(mustHave.evaluate(request("ec2:CreateSnapshot", SNAPSHOT))).isEqualTo(Decision.IMPLICITLY_DENIED);
    assertThat(mustNotHave.evaluate(tagged)).isEqualTo(Decision.IMPLICITLY_DENIED);
    assertThat(mustNotHave.evaluate(request("ec2:CreateSnapshot", SNAPSHOT))).isEqualTo(Decision.ALLOWED);
  }

  @Test
  void forAllValuesNeedsEveryValueListedAndHoldsForNoneWhileForAnyValueNeedsOne() throws IOException {
    IamPolicy all = policy(allow("ec2:CreateTags", "*",
        "{\"ForAllValues:StringEquals\":{\"aws:TagKeys\":[\"precache:state\",\"Name\"]}}"));
    IamPolicy any = policy(allow("ec2:CreateTags", "*",
        "{\"ForAnyValue:StringLike\":{\"aws:TagKeys\":\"precache:*\"}}"));
    IamRequest both = request("ec2:CreateTags", SNAPSHOT).with("aws:TagKeys", "precache:state", "Name");
    IamRequest extra = request("ec2:CreateTags", SNAPSHOT).with("aws:TagKeys", "precache:state", "team");
    IamRequest none = request("ec2:CreateTags", SNAPSHOT);

    assertThat(all.evaluate(both)).isEqualTo(Decision.ALLOWED);
    assertThat(all.evaluate(extra)).isEqualTo(Decision.IMPLICITLY_DENIED);
    assertThat(all.evaluate(none)).as("ForAllValues holds for a missing key").isEqualTo(Decision.ALLOWED);
    assertThat(any.evaluate(extra)).isEqualTo(Decision.ALLOWED);
    assertThat(any.evaluate(request("ec2:CreateTags", SNAPSHOT).with("aws:TagKeys", "team")))
        .isEqualTo(Decision.IMPLICITLY_DENIED);
    assertThat(any.evaluate(none)).isEqualTo(Decision.IMPLICITLY_DENIED);
  }

  @Test
  void arnLikeMatchesWildcardsAndArnNotLikeRefuses() throws IOException {
    IamPolicy policy = policy(allow("iam:AttachRolePolicy", "*",
        "{\"ArnLike\":{\"iam:PolicyARN\":\"arn:*:iam::aws:policy/AmazonSSM*\"}}"));
    IamPolicy notLike = policy(allow("iam:AttachRolePolicy", "*",
        "{\"ArnNotLike\":{\"iam:PolicyARN\":\"arn:*:iam::aws:policy/Admin*\"}}"));
    IamRequest ssm = request("iam:AttachRolePolicy", "arn:aws:iam::1:role/r")
        .with("iam:PolicyARN", "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");
    IamRequest admin = request("iam:AttachRolePolicy", "arn:aws:iam::1:role/r")
        .with("iam:PolicyARN", "arn:aws:iam::aws:policy/AdministratorAccess");

    assertThat(policy.evaluate(ssm)).isEqualTo(Decision.ALLOWED);
    assertThat(policy.evaluate(admin)).isEqualTo(Decision.IMPLICITLY_DENIED);
    assertThat(notLike.evaluate(ssm)).isEqualTo(Decision.ALLOWED);
    assertThat(notLike.evaluate(admin)).isEqualTo(Decision.IMPLICITLY_DENIED);
  }

  @Test
  void specialCharactersStandForTheLiteralCharacter() throws IOException {
    IamPolicy policy = policy(allow("ec2:CopySnapshot", "arn:aws:ec2:*::snapshot/${*}"));

    assertThat(policy.evaluate(request("ec2:CopySnapshot", "arn:aws:ec2:us-east-1::snapshot/*")))
        .isEqualTo(Decision.ALLOWED);
    assertThat(policy.evaluate(request("ec2:CopySnapshot", "arn:aws:ec2:us-east-1::snapshot/snap-1")))
        .as("${*} is no wildcard").isEqualTo(Decision.IMPLICITLY_DENIED);
  }

  @Test
  void aPolicyUsingWhatTheEvaluatorDoesNotKnowIsRefusedNotMisread() {
    assertThatThrownBy(() -> policy(allow("ec2:RunInstances", "*", "{\"NumericLessThan\":{\"ec2:VolumeSize\":\"100\"}}")))
        .hasMessageContaining("condition operator NumericLessThan is not supported");
    assertThatThrownBy(() -> policy(allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*")))
        .hasMessageContaining("policy variables are not supported");
    assertThatThrownBy(() -> policy("{\"Effect\":\"Permit\",\"Action\":\"*\",\"Resource\":\"*\"}"))
        .hasMessageContaining("Effect must be Allow or Deny");
  }

  @Test
  void theAllowingStatementsAreNamed() throws IOException {
    IamPolicy policy = policy("{\"Sid\":\"A\",\"Effect\":\"Allow\",\"Action\":\"ec2:*\",\"Resource\":\"*\"}",
        "{\"Sid\":\"B\",\"Effect\":\"Allow\",\"Action\":\"ec2:DeleteSnapshot\",\"Resource\":\"" + SNAPSHOT + "\"}");

    assertThat(policy.allowingStatements(request("ec2:DeleteSnapshot", SNAPSHOT))).containsExactly("A", "B");
    assertThat(policy.allowingStatements(request("iam:GetRole", "*"))).isEmpty();
  }

  @Test
  void policiesReadTogetherAreOneUnionInWhichADenyInOneWinsOverAnAllowInAnother(@TempDir Path dir) throws IOException {
    Path allows = Files.writeString(dir.resolve("allows.json"), document(
        "{\"Sid\":\"Describe\",\"Effect\":\"Allow\",\"Action\":\"ec2:DescribeSnapshots\",\"Resource\":\"*\"}",
        "{\"Sid\":\"Delete\",\"Effect\":\"Allow\",\"Action\":\"ec2:DeleteSnapshot\",\"Resource\":\"*\"}"));
    Path other = Files.writeString(dir.resolve("other.json"), document(
        "{\"Sid\":\"Tag\",\"Effect\":\"Allow\",\"Action\":\"ec2:CreateTags\",\"Resource\":\"*\"}",
        "{\"Sid\":\"NoDelete\",\"Effect\":\"Deny\",\"Action\":\"ec2:DeleteSnapshot\",\"Resource\":\"" + SNAPSHOT
            + "\"}"));

    IamPolicy both = IamPolicy.read(allows, other);

    assertThat(both.evaluate(request("ec2:DescribeSnapshots", SNAPSHOT))).isEqualTo(Decision.ALLOWED);
    assertThat(both.evaluate(request("ec2:CreateTags", SNAPSHOT))).isEqualTo(Decision.ALLOWED);
    assertThat(both.evaluate(request("ec2:DeleteSnapshot", SNAPSHOT))).isEqualTo(Decision.EXPLICITLY_DENIED);
    assertThat(IamPolicy.read(allows).evaluate(request("ec2:DeleteSnapshot", SNAPSHOT))).isEqualTo(Decision.ALLOWED);
    assertThat(both.grants()).containsOnlyKeys("Describe", "Delete", "Tag");
  }

  @Test
  void aSidInTwoOfThePoliciesIsRefused(@TempDir Path dir) throws IOException {
    String statement = "{\"Sid\":\"Describe\",\"Effect\":\"Allow\",\"Action\":\"ec2:DescribeSnapshots\",\"Resource\":\"*\"}";
    Path one = Files.writeString(dir.resolve("one.json"), document(statement));
    Path two = Files.writeString(dir.resolve("two.json"), document(statement));

    assertThatThrownBy(() -> IamPolicy.read(one, two)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Describe: Sid used twice");
  }

  private static IamRequest request(String action, String resource) {
    return new IamRequest(action, resource, Map.of(), "test");
  }

  private static String allow(String action, String resource) {
    return "{\"Effect\":\"Allow\",\"Action\":\"" + action + "\",\"Resource\":\"" + resource + "\"}";
  }

  private static String allow(String action, String resource, String condition) {
    return "{\"Effect\":\"Allow\",\"Action\":\"" + action + "\",\"Resource\":\"" + resource + "\",\"Condition\":"
        + condition + "}";
  }

  private static IamPolicy policy(String... statements) throws IOException {
    return IamPolicy.parse(document(statements));
  }

  private static String document(String... statements) {
    return "{\"Version\":\"2012-10-17\",\"Statement\":[" + String.join(",", List.of(statements)) + "]}";
  }
}
