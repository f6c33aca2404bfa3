package dev.precache.worker;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.List;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * {@code /readyz}: what a build needs of the world besides this process. The Temporal server answers for the
 * namespace, the namespace has every search attribute builds carry ({@link SearchAttributeCheck}), and the AWS
 * credentials the activities sign with resolve. Each check is asked anew on every probe, within a few seconds.
 */
final class Readiness implements AutoCloseable {
  private static final long DEADLINE_SECONDS = 3;

  private final WorkflowServiceStubs stubs;
  private final OperatorServiceStubs operator;
  private final String namespace;
  private final AwsCredentialsProvider credentials;

  Readiness(WorkflowServiceStubs stubs, String namespace, AwsCredentialsProvider credentials) {
    this.stubs = stubs;
    this.operator = SearchAttributeCheck.operatorStubs(stubs);
    this.namespace = namespace;
    this.credentials = credentials;
  }

  List<HealthCheck> check() {
    return List.of(temporal(), searchAttributes(), awsCredentials());
  }

  private HealthCheck temporal() {
    String where = "namespace '" + namespace + "' on " + stubs.getOptions().getTarget();
    try {
      stubs.blockingStub().withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
          .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(namespace).build());
      return HealthCheck.passed("temporal", where);
    } catch (StatusRuntimeException e) {
      return HealthCheck.failed("temporal", where + ": " + describe(e.getStatus()));
    }
  }

  private HealthCheck searchAttributes() {
    try {
      List<String> missing = SearchAttributeCheck.missing(operator, namespace, DEADLINE_SECONDS);
      return missing.isEmpty() ? HealthCheck.passed("search_attributes", "all registered")
          : HealthCheck.failed("search_attributes", "missing " + String.join(", ", missing)
              + "; builds cannot start until they are registered:" + SearchAttributeCheck.registerCommands(missing));
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (code == Status.Code.PERMISSION_DENIED || code == Status.Code.UNIMPLEMENTED) {
        // e.g. Temporal Cloud without operator rights: nothing to tell, as at startup.
        return HealthCheck.passed("search_attributes", "not checked: " + describe(e.getStatus()));
      }
      return HealthCheck.failed("search_attributes", "cannot list them: " + describe(e.getStatus()));
    }
  }

  private HealthCheck awsCredentials() {
    try {
      credentials.resolveCredentials();
      return HealthCheck.passed("aws_credentials", "resolved");
    } catch (RuntimeException e) {
      return HealthCheck.failed("aws_credentials", String.valueOf(e.getMessage()));
    }
  }

  private static String describe(Status status) {
    return status.getCode() + (status.getDescription() == null ? "" : " " + status.getDescription());
  }

  @Override
  public void close() {
    operator.shutdown();
  }
}
