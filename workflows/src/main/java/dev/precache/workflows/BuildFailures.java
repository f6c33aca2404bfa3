package dev.precache.workflows;

import java.util.List;

/**
 * The failure types a build can end with, as {@code ApplicationFailure} types. Activities classify AWS and
 * command errors into these once; every type listed here is permanent, so it is never retried. Anything else
 * an activity throws (throttling, 5xx, timeouts) is transient and retried with backoff.
 */
public final class BuildFailures {
  public static final String INVALID_REQUEST = "InvalidRequest";
  public static final String IMAGE_NOT_FOUND = "ImageNotFound";
  public static final String UNAUTHORIZED = "Unauthorized";
  public static final String ACCESS_DENIED = "AccessDenied";
  public static final String NO_SPACE_LEFT = "NoSpaceLeft";
  public static final String COMMAND_FAILED = "CommandFailed";
  public static final String STACK_FAILED = "StackFailed";
  public static final String IMAGE_MISSING = "ImageMissing";
  /** The index a reference resolves to has no manifest for a requested platform. */
  public static final String PLATFORM_NOT_FOUND = "PlatformNotFound";
  /** A tag moved between resolving and pulling: what was pulled is not what the build resolved. */
  public static final String IMAGE_CHANGED = "ImageChanged";
  /** An explicit {@code -s} cannot hold the resolved images. */
  public static final String VOLUME_TOO_SMALL = "VolumeTooSmall";
  /** A registry answered in a way no retry mends (a malformed manifest, an unsupported media type). */
  public static final String REGISTRY_FAILED = "RegistryFailed";
  public static final String SNAPSHOT_FAILED = "SnapshotFailed";
  public static final String INSTANCE_FAILED = "InstanceFailed";
  /** The build ran past {@link BuildRequest#timeout()}; the workflow fails with it after teardown. */
  public static final String BUILD_TIMED_OUT = "BuildTimedOut";
  /** An AWS response the SDK could not parse: retrying would read the same bytes again. */
  public static final String UNREADABLE_RESPONSE = "UnreadableResponse";

  /** The snapshot to verify does not exist in the region. */
  public static final String SNAPSHOT_NOT_FOUND = "SnapshotNotFound";
  /** A snapshot restored on a probe does not hold what it records: nothing is published. */
  public static final String VERIFICATION_FAILED = "VerificationFailed";

  public static final List<String> PERMANENT = List.of(INVALID_REQUEST, IMAGE_NOT_FOUND, UNAUTHORIZED,
      ACCESS_DENIED, NO_SPACE_LEFT, COMMAND_FAILED, STACK_FAILED, IMAGE_MISSING, PLATFORM_NOT_FOUND, IMAGE_CHANGED,
      VOLUME_TOO_SMALL, REGISTRY_FAILED, SNAPSHOT_FAILED, INSTANCE_FAILED, BUILD_TIMED_OUT, UNREADABLE_RESPONSE,
      SNAPSHOT_NOT_FOUND, VERIFICATION_FAILED);

  private BuildFailures() {}
}
