package dev.precache.workflows;

/** One image × platform pull as the progress query reports it. */
public record ImagePull(String image, String platform, State state, String digest, String error) {

  public enum State { PENDING, PULLING, DONE, FAILED }
}
