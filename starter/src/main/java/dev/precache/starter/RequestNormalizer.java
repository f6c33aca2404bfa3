package dev.precache.starter;

import dev.precache.workflows.BuildRequest;

/**
 * Checks a build request and fills its defaults before anything is started. In production this is the
 * workflow module's {@code BuildRequestValidator.normalize}, adapted in {@link StarterWiring}.
 */
@FunctionalInterface
public interface RequestNormalizer {

  BuildRequest normalize(BuildRequest request) throws RejectedFieldException;

  /** A request field the validator rejected, named as in {@link BuildRequest}. */
  final class RejectedFieldException extends Exception {
    private final String field;

    public RejectedFieldException(String field, String message) {
      super(message);
      this.field = field;
    }

    public String field() {
      return field;
    }
  }
}
