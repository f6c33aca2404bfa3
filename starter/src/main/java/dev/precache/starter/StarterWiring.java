package dev.precache.starter;

/**
 * Where the CLI meets code from other modules that is merged separately.
 *
 * <p>MERGE: once {@code dev.precache.workflows.BuildRequestValidator} is on this branch, replace the body of
 * {@link #requestNormalizer()} with:
 * <pre>{@code
 * return request -> {
 *   try {
 *     return BuildRequestValidator.normalize(request);
 *   } catch (InvalidRequestException e) {
 *     throw new RequestNormalizer.RejectedFieldException(e.field(), e.getMessage());
 *   }
 * };
 * }</pre>
 */
final class StarterWiring {

  static RequestNormalizer requestNormalizer() {
    return request -> {
      throw new IllegalStateException("BuildRequestValidator is not wired in yet (see StarterWiring)");
    };
  }

  private StarterWiring() {}
}
