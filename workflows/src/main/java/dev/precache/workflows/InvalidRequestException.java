package dev.precache.workflows;

/**
 * A {@link BuildRequest} that cannot be built. {@link #field()} is the request component at fault, and the
 * message starts with it, so the CLI can point at the flag and the workflow can fail with it unchanged.
 */
public final class InvalidRequestException extends RuntimeException {
  private final String field;
  private final String problem;

  public InvalidRequestException(String field, String problem) {
    super(field + ": " + problem);
    this.field = field;
    this.problem = problem;
  }

  public String field() {
    return field;
  }

  /** What is wrong with the field, without its name. */
  public String problem() {
    return problem;
  }
}
