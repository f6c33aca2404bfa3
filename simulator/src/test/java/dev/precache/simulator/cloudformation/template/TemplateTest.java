package dev.precache.simulator.cloudformation.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TemplateTest {
  private static final PseudoParameters PSEUDO =
      new PseudoParameters("us-west-2", "123456789012", "demo", "arn:aws:cloudformation:us-west-2:123456789012:stack/demo/1");
  private static final FakeResources RESOURCES = new FakeResources();

  private static BoundTemplate bind(String body, Map<String, String> values) {
    return Template.parse(body).bind(values, PSEUDO, name -> Optional.empty());
  }

  /** Evaluates one property value, given in YAML, of a one-resource template. */
  private static Object evaluate(String yamlValue) {
    return evaluate("", yamlValue);
  }

  private static Object evaluate(String sections, String yamlValue) {
    String body = sections + "\nResources:\n  Thing:\n    Type: Test::Thing\n    Properties:\n      Value: " + yamlValue + "\n"
        + "  Other:\n    Type: Test::Other\n";
    return bind(body, Map.of()).resolveProperties("Thing", RESOURCES).get("Value");
  }

  @Test
  void refResolvesParametersPseudoParametersAndResources() {
    String params = "Parameters:\n  Size:\n    Type: Number\n    Default: 7\n  Zones:\n    Type: CommaDelimitedList\n    Default: a,b";
    assertThat(evaluate(params, "!Ref Size")).isEqualTo("7");
    assertThat(evaluate(params, "!Ref Zones")).isEqualTo(List.of("a", "b"));
    assertThat(evaluate("{Ref: AWS::Region}")).isEqualTo("us-west-2");
    assertThat(evaluate("!Ref AWS::AccountId")).isEqualTo("123456789012");
    assertThat(evaluate("!Ref AWS::StackName")).isEqualTo("demo");
    assertThat(evaluate("!Ref AWS::Partition")).isEqualTo("aws");
    assertThat(evaluate("!Ref AWS::NotificationARNs")).isEqualTo(List.of());
    assertThat(evaluate("!Ref Other")).isEqualTo("other-id");
  }

  @Test
  void partitionAndUrlSuffixFollowTheRegion() {
    assertThat(new PseudoParameters("cn-north-1", "1", "s", "i").partition()).isEqualTo("aws-cn");
    assertThat(new PseudoParameters("cn-north-1", "1", "s", "i").urlSuffix()).isEqualTo("amazonaws.com.cn");
    assertThat(new PseudoParameters("us-gov-west-1", "1", "s", "i").partition()).isEqualTo("aws-us-gov");
    assertThat(PSEUDO.urlSuffix()).isEqualTo("amazonaws.com");
  }

  @Test
  void subReplacesParametersAttributesPseudoParametersAndKeepsLiterals() {
    String params = "Parameters:\n  Name:\n    Type: String\n    Default: web";
    assertThat(evaluate(params, "!Sub \"${Name}-${AWS::Region}-${Other.Arn}-${Other}-${!Literal}\""))
        .isEqualTo("web-us-west-2-other.Arn-other-id-${Literal}");
    assertThat(evaluate(params, "{\"Fn::Sub\": [\"${Greeting}, ${Name}\", {Greeting: !Ref AWS::AccountId}]}"))
        .isEqualTo("123456789012, web");
  }

  @Test
  void getAttAcceptsListAndDottedForms() {
    assertThat(evaluate("!GetAtt Other.Endpoint.Address")).isEqualTo("other.Endpoint.Address");
    assertThat(evaluate("!GetAtt [Other, Arn]")).isEqualTo("other.Arn");
    assertThat(evaluate("{\"Fn::GetAtt\": [Other, Arn]}")).isEqualTo("other.Arn");
  }

  @Test
  void base64JoinSelectSplitAndGetAzs() {
    assertThat(evaluate("!Base64 hello")).isEqualTo(Base64.getEncoder().encodeToString("hello".getBytes(StandardCharsets.UTF_8)));
    assertThat(evaluate("!Join [\"-\", [a, !Ref AWS::Region, 3]]")).isEqualTo("a-us-west-2-3");
    assertThat(evaluate("!Select [1, [x, y, z]]")).isEqualTo("y");
    assertThat(evaluate("!Select [\"2\", !Split [\",\", \"p,q,r\"]]")).isEqualTo("r");
    assertThat(evaluate("!GetAZs \"\"")).isEqualTo(List.of("us-west-2a", "us-west-2b", "us-west-2c"));
    assertThat(evaluate("!Select [0, !GetAZs eu-west-1]")).isEqualTo("eu-west-1a");
    assertThatThrownBy(() -> evaluate("!Select [5, [x]]"))
        .isInstanceOf(TemplateException.class).hasMessageContaining("nonexistent value at index 5");
  }

  @Test
  void findInMapLooksUpMappings() {
    String mappings = "Mappings:\n  Arch:\n    x86_64:\n      Platform: linux/amd64\n    arm64:\n      Platform: linux/arm64";
    assertThat(evaluate(mappings, "!FindInMap [Arch, arm64, Platform]")).isEqualTo("linux/arm64");
    assertThatThrownBy(() -> evaluate(mappings, "!FindInMap [Arch, riscv, Platform]"))
        .isInstanceOf(TemplateException.class).hasMessageContaining("Arch::riscv::Platform");
  }

  @Test
  void conditionFunctionsDecideIfAndResources() {
    String body = """
        Parameters:
          Env: {Type: String, Default: prod}
          Size: {Type: Number, Default: 10}
        Conditions:
          IsProd: !Equals [!Ref Env, prod]
          IsBig: !Equals [!Ref Size, 10]
          ProdAndBig: !And [!Condition IsProd, {Condition: IsBig}]
          DevOrSmall: !Or [!Not [!Condition IsProd], !Not [!Condition IsBig]]
        Resources:
          Always:
            Type: Test::Thing
            Properties:
              Tier: !If [ProdAndBig, large, small]
              Dropped: !If [DevOrSmall, kept, !Ref AWS::NoValue]
              List: [a, !If [DevOrSmall, b, !Ref AWS::NoValue], c]
          OnlyInDev:
            Type: Test::Thing
            Condition: DevOrSmall
        """;
    BoundTemplate prod = bind(body, Map.of());
    assertThat(prod.creationOrder()).containsExactly("Always");
    assertThat(prod.resolveProperties("Always", RESOURCES))
        .containsExactly(Map.entry("Tier", "large"), Map.entry("List", List.of("a", "c")));

    BoundTemplate dev = bind(body, Map.of("Env", "dev"));
    assertThat(dev.creationOrder()).containsExactly("Always", "OnlyInDev");
    assertThat(dev.resolveProperties("Always", RESOURCES))
        .containsEntry("Tier", "small").containsEntry("Dropped", "kept").containsEntry("List", List.of("a", "b", "c"));
  }

  @Test
  void creationOrderPutsDependenciesFirst() {
    String body = """
        Resources:
          C: {Type: T, Properties: {X: !Sub "${B.Arn}"}}
          B: {Type: T, DependsOn: A}
          A: {Type: T, Properties: {Y: !GetAtt D.Name}}
          D: {Type: T}
        """;
    assertThat(bind(body, Map.of()).creationOrder()).containsExactly("D", "A", "B", "C");
  }

  @Test
  void cycleIsRejected() {
    String body = """
        Resources:
          A: {Type: T, Properties: {X: !Ref B}}
          B: {Type: T, Properties: {X: !GetAtt A.Arn}}
        """;
    assertThatThrownBy(() -> bind(body, Map.of()))
        .isInstanceOf(TemplateException.class)
        .hasMessage("Circular dependency between resources: [A, B]");
  }

  @Test
  void unresolvedReferenceIsAFormatError() {
    assertThatThrownBy(() -> Template.parse("Resources:\n  A: {Type: T, Properties: {X: !Ref Nope}}"))
        .isInstanceOf(TemplateException.class)
        .hasMessage("Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template");
  }

  @Test
  void jsonTemplatesParse() {
    String body = """
        {"Parameters": {"N": {"Type": "Number", "Default": "3"}},
         "Resources": {"A": {"Type": "T", "Properties": {"Count": {"Ref": "N"}, "Flag": true, "Ratio": 1.5,
                                                          "Joined": {"Fn::Join": ["", ["a", {"Ref": "AWS::Region"}]]}}}}}
        """;
    assertThat(bind(body, Map.of()).resolveProperties("A", RESOURCES))
        .containsExactly(Map.entry("Count", "3"), Map.entry("Flag", true), Map.entry("Ratio", 1.5),
            Map.entry("Joined", "aus-west-2"));
  }

  @Test
  void literalsKeepTheirTypes() {
    assertThat(evaluate("{n: 4, f: 2.5, b: false, s: \"4\", d: 2010-09-09}"))
        .isEqualTo(Map.of("n", 4L, "f", 2.5, "b", false, "s", "4", "d", "2010-09-09"));
  }

  @Test
  void missingParametersAreNamed() {
    String body = "Parameters:\n  A: {Type: String}\n  B: {Type: String}\n  C: {Type: String, Default: c}\nResources:\n  R: {Type: T}";
    assertThatThrownBy(() -> bind(body, Map.of()))
        .isInstanceOf(TemplateException.class).hasMessage("Parameters: [A, B] must have values");
    assertThatThrownBy(() -> bind(body, Map.of("A", "a", "B", "b", "Z", "z")))
        .isInstanceOf(TemplateException.class).hasMessage("Parameters: [Z] do not exist in the template");
    assertThat(bind(body, Map.of("A", "a", "B", "b")).resolvedParameters())
        .containsExactly(Map.entry("A", "a"), Map.entry("B", "b"), Map.entry("C", "c"));
  }

  @Test
  void parameterConstraintsAreChecked() {
    String body = """
        Parameters:
          Kind: {Type: String, Default: gp3, AllowedValues: [gp2, gp3]}
          Size: {Type: Number, Default: 50, MinValue: 1, MaxValue: 100}
          Name: {Type: String, Default: ab, AllowedPattern: "[a-z]+", MaxLength: 4}
          Tag: {Type: String, Default: x, AllowedPattern: "[a-z]+", ConstraintDescription: lower-case letters only}
        Resources:
          R: {Type: T}
        """;
    assertThat(bind(body, Map.of()).resolvedParameters()).containsEntry("Size", "50");
    assertThatThrownBy(() -> bind(body, Map.of("Kind", "io2")))
        .hasMessage("Parameter 'Kind' must be one of AllowedValues");
    assertThatThrownBy(() -> bind(body, Map.of("Size", "0")))
        .hasMessage("Parameter 'Size' must be a number not less than 1");
    assertThatThrownBy(() -> bind(body, Map.of("Size", "101")))
        .hasMessage("Parameter 'Size' must be a number not greater than 100");
    assertThatThrownBy(() -> bind(body, Map.of("Size", "big")))
        .hasMessage("Parameter 'Size' must be a number");
    assertThatThrownBy(() -> bind(body, Map.of("Name", "AB")))
        .hasMessage("Parameter 'Name' must match pattern [a-z]+");
    assertThatThrownBy(() -> bind(body, Map.of("Name", "abcde")))
        .hasMessage("Parameter 'Name' must contain at most 4 characters");
    assertThatThrownBy(() -> bind(body, Map.of("Tag", "X")))
        .hasMessage("Parameter 'Tag' failed to satisfy constraint: lower-case letters only");
  }

  @Test
  void unsupportedParameterTypeIsAFormatError() {
    assertThatThrownBy(() -> Template.parse("Parameters:\n  A: {Type: Strin}\nResources:\n  R: {Type: T}"))
        .hasMessage("Template format error: Unrecognized parameter type: Strin");
  }

  @Test
  void parameterDeclarationsAreListed() {
    Template template = Template.parse("""
        Parameters:
          Secret: {Type: String, NoEcho: true, Description: hush}
          Subnets: {Type: "List<AWS::EC2::Subnet::Id>", Default: "subnet-1,subnet-2"}
        Resources:
          R: {Type: T}
        """);
    assertThat(template.parameters()).extracting(ParameterDeclaration::name).containsExactly("Secret", "Subnets");
    ParameterDeclaration secret = template.parameters().get(0);
    assertThat(secret.noEcho()).isTrue();
    assertThat(secret.description()).contains("hush");
    assertThat(secret.defaultValue()).isEmpty();
    assertThat(template.parameters().get(1).isList()).isTrue();
  }

  @Test
  void malformedTemplatesAreRejected() {
    assertThatThrownBy(() -> Template.parse("Resources: [")).isInstanceOf(TemplateException.class)
        .hasMessageStartingWith("Template format error: YAML not well-formed.");
    assertThatThrownBy(() -> Template.parse("Parameters: {}")).isInstanceOf(TemplateException.class)
        .hasMessage("Template format error: At least one Resources member must be defined.");
    assertThatThrownBy(() -> Template.parse("Resources:\n  A: {Properties: {}}")).isInstanceOf(TemplateException.class)
        .hasMessageContaining("Every Resources object must contain a Type member.");
    assertThatThrownBy(() -> evaluate("!Cidr [10.0.0.0/16, 2, 8]")).isInstanceOf(TemplateException.class)
        .hasMessage("Template format error: Encountered unsupported function: Fn::Cidr");
  }
}
