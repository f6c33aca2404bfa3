package dev.precache.starter;

import dev.precache.workflows.BuildSearchAttributes;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.client.WorkflowNotFoundException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns what the Temporal client throws into errors that say what happened, on which server, and what to do. */
final class TemporalErrors {
  private static final Pattern UNMAPPED_ATTRIBUTE =
      Pattern.compile("no mapping defined for search attribute (\\w+)|search attribute (\\w+) is not defined",
          Pattern.CASE_INSENSITIVE);
  static final String START_A_SERVER = "start one with `precache worker --dev` (or `temporal server start-dev`), "
      + "or point --address / TEMPORAL_ADDRESS at yours";

  private TemporalErrors() {}

  /**
   * @param workflowId the build the failed call was about, or null
   * @return a {@link CliError} when {@code e} is a Temporal error we can explain, else {@code e} itself
   */
  static RuntimeException translate(RuntimeException e, TemporalConnection.Server server, String workflowId) {
    if (e instanceof CliError) {
      return e;
    }
    if (workflowId != null && hasCause(e, WorkflowNotFoundException.class)) {
      return noSuchBuild(workflowId, server);
    }
    StatusRuntimeException status = statusOf(e);
    if (status == null) {
      return e;
    }
    String description = status.getStatus().getDescription();
    Status.Code code = status.getStatus().getCode();
    if (code == Status.Code.NOT_FOUND && workflowId != null) {
      return noSuchBuild(workflowId, server);
    }
    if (code == Status.Code.NOT_FOUND && description != null
        && description.toLowerCase(Locale.ROOT).contains("namespace")) {
      return CliError.failed("namespace " + server.namespace() + " does not exist on " + server.address(), description,
          "pick another with --namespace / TEMPORAL_NAMESPACE, or create it: temporal operator namespace create "
              + server.namespace());
    }
    if (description != null) {
      Matcher unmapped = UNMAPPED_ATTRIBUTE.matcher(description);
      if (unmapped.find()) {
        String attribute = unmapped.group(1) != null ? unmapped.group(1) : unmapped.group(2);
        return CliError.failed("search attribute " + attribute + " is not registered in namespace "
            + server.namespace() + " on " + server.address(), description, registerAttributesFix());
      }
    }
    return switch (code) {
      case UNAVAILABLE, DEADLINE_EXCEEDED -> CliError.failed("cannot reach the Temporal server at " + server.address()
          + ", namespace " + server.namespace(), reason(status), START_A_SERVER, e);
      case UNAUTHENTICATED, PERMISSION_DENIED -> CliError.failed("the Temporal server at " + server.address()
          + " refused namespace " + server.namespace(), reason(status),
          "check TEMPORAL_API_KEY or TEMPORAL_TLS_CLIENT_CERT_PATH / TEMPORAL_TLS_CLIENT_KEY_PATH", e);
      default -> CliError.failed("the Temporal server at " + server.address() + " refused the request",
          reason(status), null, e);
    };
  }

  static CliError noSuchBuild(String workflowId, TemporalConnection.Server server) {
    return CliError.failed("no build " + workflowId + " in namespace " + server.namespace() + " on " + server.address(),
        null, "`precache list` shows recent builds; --namespace / TEMPORAL_NAMESPACE picks another namespace");
  }

  /** The commands that register every attribute builds carry. */
  static String registerAttributesFix() {
    StringBuilder fix = new StringBuilder("register them once (a `precache worker --dev` server does it itself):");
    for (var key : BuildSearchAttributes.ALL) {
      fix.append("\n    temporal operator search-attribute create --name ").append(key.getName()).append(" --type ")
          .append(key.getValueType().name().equals("INDEXED_VALUE_TYPE_KEYWORD_LIST") ? "KeywordList" : "Keyword");
    }
    return fix.toString();
  }

  static String reason(StatusRuntimeException status) {
    String description = status.getStatus().getDescription();
    Throwable cause = status.getCause();
    while (cause != null && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause != null && cause.getMessage() != null) {
      return cause.getMessage().replaceFirst("^\\w+\\(\\.\\.\\) failed: ", ""); // netty's finishConnect(..) failed: …
    }
    return description != null ? description : status.getStatus().getCode().name();
  }

  /** The gRPC status behind a client exception: the SDK wraps some, not all. */
  static StatusRuntimeException statusOf(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof StatusRuntimeException status) {
        return status;
      }
    }
    return null;
  }

  private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (type.isInstance(cause)) {
        return true;
      }
    }
    return false;
  }
}
