package dev.precache.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of a Prometheus text endpoint, parsed into its samples. */
record PrometheusScrape(String text, List<Sample> samples) {
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  record Sample(String name, Map<String, String> labels, double value) {}

  static PrometheusScrape of(URI endpoint) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new AssertionError(endpoint + " answered " + response.statusCode() + ": " + response.body());
    }
    return parse(response.body());
  }

  static PrometheusScrape parse(String text) {
    List<Sample> samples = text.lines().filter(line -> !line.isBlank() && !line.startsWith("#")).map(line -> {
      Matcher sample = SAMPLE.matcher(line);
      if (!sample.matches()) {
        throw new AssertionError("not a Prometheus sample: " + line);
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (sample.group(2) != null) {
        Matcher label = LABEL.matcher(sample.group(2));
        while (label.find()) {
          labels.put(label.group(1), label.group(2));
        }
      }
      return new Sample(sample.group(1), labels, Double.parseDouble(sample.group(3)));
    }).toList();
    return new PrometheusScrape(text, samples);
  }

  /** The samples of {@code name} whose labels include {@code labels}. */
  List<Sample> series(String name, Map<String, String> labels) {
    return samples.stream().filter(sample -> sample.name().equals(name)
        && sample.labels().entrySet().containsAll(labels.entrySet())).toList();
  }

  /** The sum over {@link #series}; 0 when there is none. */
  double sum(String name, Map<String, String> labels) {
    return series(name, labels).stream().mapToDouble(Sample::value).sum();
  }
}
