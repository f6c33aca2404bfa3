package dev.precache.simulator.cloudformation.template;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The AWS:: pseudo parameters of one stack. */
public record PseudoParameters(String region, String accountId, String stackName, String stackId) {

  public String partition() {
    if (region.startsWith("cn-")) {
      return "aws-cn";
    }
    return region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
  }

  public String urlSuffix() {
    return region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  }

  /** The value of {@code AWS::<name>}; AWS::NoValue is not a value and is handled by the evaluator. */
  Optional<Object> value(String name) {
    Object value = switch (name) {
      case "AWS::Region" -> region;
      case "AWS::AccountId" -> accountId;
      case "AWS::StackName" -> stackName;
      case "AWS::StackId" -> stackId;
      case "AWS::Partition" -> partition();
      case "AWS::URLSuffix" -> urlSuffix();
      case "AWS::NotificationARNs" -> List.of();
      default -> null;
    };
    return Optional.ofNullable(value);
  }

  private static final Set<String> NAMES = Set.of(
      "AWS::Region", "AWS::AccountId", "AWS::StackName", "AWS::StackId", "AWS::Partition", "AWS::URLSuffix",
      "AWS::NotificationARNs", "AWS::NoValue");

  static boolean isPseudo(String name) {
    return NAMES.contains(name);
  }
}
