package dev.precache.starter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {
  private final DurationConverter converter = new DurationConverter();

  @Test
  void readsUnitsAndCombinations() {
    assertThat(converter.convert("90m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(converter.convert("3h")).isEqualTo(Duration.ofHours(3));
    assertThat(converter.convert("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(converter.convert("45s")).isEqualTo(Duration.ofSeconds(45));
    assertThat(converter.convert("1d")).isEqualTo(Duration.ofHours(24));
    assertThat(converter.convert("PT2H")).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void rejectsWhatIsNoDuration() {
    assertThatThrownBy(() -> converter.convert("90")).isInstanceOf(TypeConversionException.class);
    assertThatThrownBy(() -> converter.convert("3 hours")).isInstanceOf(TypeConversionException.class);
    assertThatThrownBy(() -> converter.convert("Pfoo")).isInstanceOf(TypeConversionException.class);
  }
}
