package dev.precache.simulator.instance;

/**
 * The IAM role an instance's programs get credentials for from the instance metadata service: its instance
 * profile's role, or none. What the role may do is the account's IAM model's to say.
 */
public interface InstanceRole {

  /** {@code arn:aws:sts::<account>:assumed-role/<role>/<instance>}, as AWS names an instance role's caller. */
  String callerArn();

  /** The role's name, as IMDS lists it under {@code iam/security-credentials/}; empty without a profile. */
  String roleName();

  /** Whether the role exists and may call the action on the resource ({@code *} for actions without one). */
  boolean allows(String action, String resource);

  /** No instance profile, or one whose role IAM does not know: IMDS has no credentials to give. */
  boolean hasCredentials();

  static InstanceRole none() {
    return new InstanceRole() {
      @Override
      public String callerArn() {
        return "";
      }

      @Override
      public String roleName() {
        return "";
      }

      @Override
      public boolean allows(String action, String resource) {
        return false;
      }

      @Override
      public boolean hasCredentials() {
        return false;
      }
    };
  }
}
