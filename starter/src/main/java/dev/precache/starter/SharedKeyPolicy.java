package dev.precache.starter;

import dev.precache.workflows.BuildRequest;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the KMS key policy of an encrypted snapshot shared with other accounts must allow, printed because precache
 * does not edit key policies: the accounts need the key to create volumes from the snapshot or copy it (EBS User
 * Guide, "Share an Amazon EBS snapshot": "you must also share the customer managed key used to encrypt it"; a
 * snapshot encrypted with the default aws/ebs key cannot be shared at all).
 */
final class SharedKeyPolicy {

  private SharedKeyPolicy() {}

  /** The statement to add to the key policy, or null when nothing shared is encrypted. */
  static String statement(BuildRequest request) {
    if (!request.encrypt() || request.sharedWith().isEmpty()) {
      return null;
    }
    String principals = request.sharedWith().stream().map(account -> "\"arn:aws:iam::" + account + ":root\"")
        .collect(Collectors.joining(", "));
    return String.join("\n",
        "{",
        "  \"Sid\": \"AllowPrecacheSnapshotAccounts\",",
        "  \"Effect\": \"Allow\",",
        "  \"Principal\": {\"AWS\": [" + principals + "]},",
        "  \"Action\": [\"kms:Decrypt\", \"kms:DescribeKey\", \"kms:CreateGrant\", \"kms:ReEncrypt*\", "
            + "\"kms:GenerateDataKey*\"],",
        "  \"Resource\": \"*\"",
        "}");
  }

  /** The keys the statement belongs on: the build's own and each copy region's. */
  static List<String> keys(BuildRequest request) {
    List<String> keys = new java.util.ArrayList<>();
    keys.add(request.region() + ": " + (request.kmsKeyId() == null ? "the -k key (the default aws/ebs key cannot be "
        + "shared: pass -k)" : request.kmsKeyId()));
    request.copies().forEach(copy -> keys.add(copy.region() + ": " + (copy.kmsKeyId() == null
        ? "the key given as --copy-to-region " + copy.region() + "=KEY (the default aws/ebs key cannot be shared)"
        : copy.kmsKeyId())));
    return keys;
  }
}
