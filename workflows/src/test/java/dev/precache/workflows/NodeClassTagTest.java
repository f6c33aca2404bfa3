package dev.precache.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link NodeClassTag}: the classes a snapshot's tag names, added and removed. */
class NodeClassTagTest {

  @Test
  void aClassIsAddedOnceAfterTheOthers() {
    assertThat(NodeClassTag.with(null, "prod/gpu")).isEqualTo("prod/gpu");
    assertThat(NodeClassTag.with("prod/gpu", "prod/cpu")).isEqualTo("prod/gpu,prod/cpu");
    assertThat(NodeClassTag.with("prod/gpu,prod/cpu", "prod/gpu")).isEqualTo("prod/cpu,prod/gpu");
  }

  @Test
  void removingTheLastClassLeavesNoTag() {
    assertThat(NodeClassTag.without("prod/gpu,prod/cpu", "prod/gpu")).isEqualTo("prod/cpu");
    assertThat(NodeClassTag.without("prod/cpu", "prod/cpu")).isNull();
    assertThat(NodeClassTag.without("prod/cpu", "prod/gpu")).isEqualTo("prod/cpu");
    assertThat(NodeClassTag.without(null, "prod/gpu")).isNull();
  }

  @Test
  void theOldestNamesGiveWayToStayWithinEc2sLimit() {
    String context = "arn:aws:eks:us-west-2:123456789012:cluster/" + "x".repeat(60);
    String tag = null;
    for (int i = 0; i < 5; i++) {
      tag = NodeClassTag.with(tag, context + "/class-" + i);
    }
    assertThat(tag.length()).isLessThanOrEqualTo(NodeClassTag.MAX_VALUE_LENGTH);
    assertThat(NodeClassTag.classes(tag)).hasSizeLessThan(5).last().isEqualTo(context + "/class-4");
  }
}
