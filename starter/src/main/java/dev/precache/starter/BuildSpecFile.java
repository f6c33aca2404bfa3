package dev.precache.starter;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.precache.workflows.BuildRequest;
import dev.precache.workflows.BuildRequestValidator;
import dev.precache.workflows.InvalidRequestException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.TypeConversionException;

/**
 * A build written down in YAML ({@code --spec builds/gpu.yaml}), so teams keep their image lists in git. Its
 * keys mirror {@code build}'s long flags; unknown keys are rejected, and every problem names its key.
 */
final class BuildSpecFile {

  /** The file's shape: every key optional here; the validator says what a build needs. */
  record Spec(
      String name,
      String region,
      List<String> images,
      @JsonAlias("arch") List<String> platforms,
      String ami,
      String instanceType,
      Boolean encrypt,
      String kmsId,
      Integer snapshotSize,
      String instanceRole,
      String securityGroupId,
      String subnetId,
      String outputParameterName,
      Boolean publicIp,
      Map<String, String> tags,
      String timeout,
      Integer parallelism,
      Integer volumeThroughput,
      Integer volumeIops,
      Boolean fromPrevious,
      Integer keep) {}

  /** How each {@link BuildRequest} field is spelled in the file, for validation messages. */
  private static final Map<String, String> KEY_OF_FIELD = Map.ofEntries(
      Map.entry("amiParameter", "ami"),
      Map.entry("kmsKeyId", "kmsId"),
      Map.entry("volumeSizeGiB", "snapshotSize"),
      Map.entry("pullParallelism", "parallelism"),
      Map.entry("volumeThroughputMiBps", "volumeThroughput"),
      Map.entry("keepSnapshots", "keep"));

  private static final YAMLMapper YAML = YAMLMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .build();

  /** A spec file that cannot be built; the message names the file and the key. */
  static final class InvalidSpecException extends Exception {
    InvalidSpecException(String message) {
      super(message);
    }
  }

  /** A spec of 200 images with long references and 40 tags is under 100 KiB. */
  static final int MAX_BYTES = 1024 * 1024;

  private BuildSpecFile() {}

  /** Reads {@code file} and returns its build, validated and with defaults filled. */
  static BuildRequest load(Path file) throws InvalidSpecException {
    return parse(read(file), file.toString());
  }

  /**
   * The file's text, read only if it is a regular file, and never more than {@link #MAX_BYTES}: a device or a
   * FIFO would never end, a huge file would take the memory.
   */
  private static String read(Path file) throws InvalidSpecException {
    try {
      if (!Files.exists(file)) {
        throw new InvalidSpecException("cannot read " + file + ": no such file");
      }
      if (!Files.isRegularFile(file)) {
        throw new InvalidSpecException("cannot read " + file + ": not a regular file");
      }
      byte[] bytes;
      try (InputStream in = Files.newInputStream(file)) {
        bytes = in.readNBytes(MAX_BYTES + 1);
      }
      if (bytes.length > MAX_BYTES) {
        throw new InvalidSpecException(file + " is larger than " + MAX_BYTES / 1024 + " KiB");
      }
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new InvalidSpecException("cannot read " + file + ": " + e.getMessage());
    }
  }

  /** Parses a spec's YAML {@code text}; {@code source} names it in messages. */
  static BuildRequest parse(String text, String source) throws InvalidSpecException {
    Spec spec;
    try {
      JsonNode document = YAML.readTree(text);
      if (document == null || document.isMissingNode() || document.isNull()) {
        throw new InvalidSpecException(source + " is empty");
      }
      spec = YAML.treeToValue(document, Spec.class);
    } catch (UnrecognizedPropertyException e) {
      throw new InvalidSpecException("unknown key '" + e.getPropertyName() + "' in " + source + "; known keys: "
          + e.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")));
    } catch (JsonMappingException e) {
      throw new InvalidSpecException("invalid " + keyPath(e) + " in " + source + ": " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw new InvalidSpecException(source + " is not YAML: " + e.getOriginalMessage());
    }
    try {
      return BuildRequestValidator.normalizeToStart(toRequest(spec, source));
    } catch (InvalidRequestException e) {
      throw new InvalidSpecException(
          "invalid " + KEY_OF_FIELD.getOrDefault(e.field(), e.field()) + " in " + source + ": " + e.problem());
    }
  }

  private static BuildRequest toRequest(Spec spec, String source) throws InvalidSpecException {
    return new BuildRequest(spec.name(), spec.region(), spec.images(), spec.platforms(), spec.ami(),
        spec.instanceType(), Boolean.TRUE.equals(spec.encrypt()), spec.kmsId(), spec.snapshotSize(),
        spec.instanceRole(), spec.securityGroupId(), spec.subnetId(), spec.outputParameterName(),
        !Boolean.FALSE.equals(spec.publicIp()), spec.tags() == null ? Map.of() : spec.tags(),
        timeout(spec.timeout(), source), spec.parallelism(), spec.volumeThroughput(), spec.volumeIops(), false,
        null, List.of(), false, spec.fromPrevious(), spec.keep(), null, null);
  }

  private static Duration timeout(String timeout, String source) throws InvalidSpecException {
    try {
      return timeout == null ? null : new DurationConverter().convert(timeout);
    } catch (TypeConversionException e) {
      throw new InvalidSpecException("invalid timeout in " + source + ": " + e.getMessage());
    }
  }

  /** {@code tags.team}, {@code images[2]}: where in the document a mapping error is. */
  private static String keyPath(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference reference : e.getPath()) {
      if (reference.getFieldName() != null) {
        path.append(path.length() == 0 ? "" : ".").append(reference.getFieldName());
      } else {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    return path.length() == 0 ? "document" : path.toString();
  }
}
