package dev.precache.simulator.instance;

import dev.precache.simulator.instance.Job.Io;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * curl in the admin container (Amazon Linux 2's curl 7.79, AL2023's 8.x since bottlerocket-admin-container#125), for
 * the requests an instance makes itself: IMDS, and
 * AWS JSON 1.1 APIs signed with {@code --aws-sigv4 aws:amz:REGION:SERVICE} (curl ≥ 7.75) and {@code --user
 * KEY:SECRET}, the session token in {@code -H "x-amz-security-token: ..."}. Options: {@code -s -S -f
 * --fail-with-body -X -H -d/--data -u/--user --aws-sigv4} and one URL. The body goes to stdout; with {@code -f} an
 * HTTP status of 400 or more exits 22 without it, with {@code --fail-with-body} (curl ≥ 7.76) after it.
 */
final class Curl {
  /** Estimates, no public measurement: IMDS answers on the instance's link-local path, AWS one HTTPS round trip in the region. */
  private static final long IMDS_MILLIS = 2;
  private static final long AWS_MILLIS = 40;
  private static final Pattern AWS_HOST = Pattern.compile("([a-z0-9-]+)\\.([a-z0-9-]+)\\.amazonaws\\.com");
  private static final Pattern SIGV4 = Pattern.compile("aws:amz:([a-z0-9-]+):([a-z0-9-]+)");

  private final InstanceMetadata metadata;
  private final InstanceAwsCalls aws;
  private final InstanceRole role;
  private final LongSupplier clock;

  Curl(InstanceMetadata metadata, InstanceAwsCalls aws, InstanceRole role, LongSupplier clock) {
    this.metadata = metadata;
    this.aws = aws;
    this.role = role;
    this.clock = clock;
  }

  private record Request(String method, URI url, Map<String, String> headers, String data, String sigv4, String user,
                         boolean fail, boolean failWithBody, boolean showErrors) {}

  private record Response(int status, String body) {}

  Job create(List<String> args, Io io) {
    Request request;
    try {
      request = parse(args);
    } catch (IllegalArgumentException e) {
      return Commands.failure(io, 0, 2, "curl: " + e.getMessage());
    }
    boolean imds = request.url().getHost().equals(InstanceMetadata.HOST);
    Matcher awsHost = AWS_HOST.matcher(request.url().getHost());
    if (!imds && !awsHost.matches()) {
      return new TimedJob(io, 0, () -> {
        if (request.showErrors()) {
          io.stderr().append("curl: (6) Could not resolve host: ").append(request.url().getHost()).append('\n');
        }
        return 6;
      });
    }
    return new TimedJob(io, imds ? IMDS_MILLIS : AWS_MILLIS, () -> {
      Response response;
      if (imds) {
        InstanceMetadata.Answer answer = metadata.request(request.method(), request.url().getPath(), request.headers(),
            clock.getAsLong());
        response = new Response(answer.status(), answer.body());
      } else {
        response = callAws(request, awsHost.group(1), awsHost.group(2));
      }
      if (response.status() >= 400 && (request.fail() || request.failWithBody())) {
        if (request.failWithBody()) {
          io.stdout().append(response.body());
        }
        if (request.showErrors()) {
          io.stderr().append("curl: (22) The requested URL returned error: ").append(response.status()).append('\n');
        }
        return 22;
      }
      io.stdout().append(response.body());
      return 0;
    });
  }

  /** AWS checks the signature before anything else: scoped to the host's service and region, with the role's keys. */
  private Response callAws(Request request, String service, String region) {
    if (request.sigv4() == null || request.user() == null) {
      return error(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
    }
    Matcher scope = SIGV4.matcher(request.sigv4());
    if (!scope.matches() || !scope.group(1).equals(region) || !scope.group(2).equals(service)) {
      return error(400, "InvalidSignatureException", "Credential should be scoped to a valid region and to correct "
          + "service: '" + service + "'.");
    }
    InstanceMetadata.Credentials credentials = metadata.credentials();
    String[] keys = request.user().split(":", 2);
    if (!role.hasCredentials() || !keys[0].equals(credentials.accessKeyId())
        || !request.headers().getOrDefault("x-amz-security-token", "").equals(credentials.sessionToken())) {
      return error(400, "UnrecognizedClientException", "The security token included in the request is invalid.");
    }
    if (keys.length < 2 || !keys[1].equals(credentials.secretAccessKey())) {
      return error(400, "InvalidSignatureException", "The request signature we calculated does not match the "
          + "signature you provided. Check your AWS Secret Access Key and signing method.");
    }
    String target = request.headers().get("x-amz-target");
    if (target == null || !request.method().equals("POST")) {
      return error(400, "UnknownOperationException", null);
    }
    InstanceAwsCalls.Answer answer = aws.call(service, region, target, request.data(), role, clock.getAsLong());
    return new Response(answer.status(), answer.body());
  }

  private static Response error(int status, String type, String message) {
    return new Response(status, "{\"__type\":\"" + type + "\"" + (message == null ? "" : ",\"message\":\"" + message + "\"") + "}");
  }

  private static Request parse(List<String> args) {
    String method = null;
    Map<String, String> headers = new HashMap<>();
    String data = null;
    String sigv4 = null;
    String user = null;
    String url = null;
    boolean fail = false;
    boolean failWithBody = false;
    boolean showErrors = false;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      switch (arg) {
        case "-X", "--request" -> method = value(args, ++i, arg);
        case "-H", "--header" -> {
          String header = value(args, ++i, arg);
          int colon = header.indexOf(':');
          if (colon < 0) {
            throw new IllegalArgumentException("option " + arg + ": a header is Name: value");
          }
          headers.put(header.substring(0, colon).strip().toLowerCase(Locale.ROOT), header.substring(colon + 1).strip());
        }
        case "-d", "--data" -> data = value(args, ++i, arg);
        case "-u", "--user" -> user = value(args, ++i, arg);
        case "--aws-sigv4" -> sigv4 = value(args, ++i, arg);
        case "--fail-with-body" -> failWithBody = true;
        default -> {
          if (arg.startsWith("-") && !arg.startsWith("--") && arg.length() > 1) {
            for (char option : arg.substring(1).toCharArray()) {
              switch (option) {
                case 's' -> { }
                case 'S' -> showErrors = true;
                case 'f' -> fail = true;
                default -> throw new IllegalArgumentException("option -" + option + ": is unknown to the simulated curl");
              }
            }
          } else if (arg.startsWith("--")) {
            throw new IllegalArgumentException("option " + arg + ": is unknown to the simulated curl");
          } else if (url != null) {
            throw new IllegalArgumentException("the simulated curl takes one URL");
          } else {
            url = arg;
          }
        }
      }
    }
    if (url == null) {
      throw new IllegalArgumentException("no URL specified");
    }
    URI uri = URI.create(url);
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("(3) URL rejected: No host part in the URL");
    }
    return new Request(method != null ? method : data != null ? "POST" : "GET", uri, headers, data == null ? "" : data,
        sigv4, user, fail, failWithBody, showErrors);
  }

  private static String value(List<String> args, int at, String option) {
    if (at >= args.size()) {
      throw new IllegalArgumentException("option " + option + ": requires parameter");
    }
    return args.get(at);
  }
}
