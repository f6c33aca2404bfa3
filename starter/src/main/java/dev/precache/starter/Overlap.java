package dev.precache.starter;

import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import java.util.Arrays;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** What a schedule does when a build is due while the last one still runs, spelled as on the command line. */
enum Overlap {
  SKIP(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP),
  BUFFER_ONE(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE),
  BUFFER_ALL(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL),
  CANCEL_OTHER(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER),
  TERMINATE_OTHER(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER),
  ALLOW_ALL(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL);

  private final ScheduleOverlapPolicy policy;

  Overlap(ScheduleOverlapPolicy policy) {
    this.policy = policy;
  }

  ScheduleOverlapPolicy policy() {
    return policy;
  }

  /** {@code buffer-one}: how the flag spells it, and so picocli's {@code ${COMPLETION-CANDIDATES}}. */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Reads {@code skip}, {@code buffer-one}, …; also the server's {@code SCHEDULE_OVERLAP_POLICY_…} names. */
  static final class Converter implements ITypeConverter<Overlap> {
    @Override
    public Overlap convert(String value) {
      String name = value.strip().toUpperCase(Locale.ROOT).replace('-', '_').replace("SCHEDULE_OVERLAP_POLICY_", "");
      return Arrays.stream(values()).filter(overlap -> overlap.name().equals(name)).findFirst()
          .orElseThrow(() -> new TypeConversionException("'" + value + "' is not one of " + Arrays.toString(values())));
    }
  }

  /** The flag's spelling of a policy the server reports. */
  static String of(ScheduleOverlapPolicy policy) {
    return Arrays.stream(values()).filter(overlap -> overlap.policy == policy).findFirst()
        .map(Overlap::toString).orElse(policy.name());
  }
}
