package dev.precache.worker;

import dev.precache.workflows.BuildSearchAttributes;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.common.SearchAttributeKey;
import io.temporal.envconfig.ClientConfigProfile;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Map;

/**
 * Registers the search attributes builds carry in the Temporal namespace the worker would connect to (the same
 * {@code TEMPORAL_*} variables or config profile), adding only those it lacks, one per request, so it can run
 * again at every deploy. The chart's search-attribute Job runs it from the worker image:
 * {@code java -cp @/app/jib-classpath-file dev.precache.worker.SearchAttributeRegistration}. Exits 0 once every
 * attribute is there, 1 naming the server, the namespace and the cause otherwise (an attribute of that name but
 * another type is such a cause: Temporal cannot change a type).
 */
public final class SearchAttributeRegistration {
  private SearchAttributeRegistration() {}

  public static void main(String[] args) throws IOException {
    ClientConfigProfile profile = ClientConfigProfile.load();
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(profile.toWorkflowServiceStubsOptions());
    try {
      System.exit(register(stubs, profile.toWorkflowClientOptions().getNamespace(), System.out, System.err));
    } finally {
      stubs.shutdown();
    }
  }

  static int register(WorkflowServiceStubs stubs, String namespace, PrintStream out, PrintStream err) {
    String where = "namespace '" + namespace + "' on " + stubs.getOptions().getTarget();
    OperatorServiceStubs operator = OperatorServiceStubs.newServiceStubs(
        OperatorServiceStubsOptions.newBuilder(stubs.getOptions()).validateAndBuildWithDefaults());
    try {
      Map<String, IndexedValueType> existing = operator.blockingStub()
          .listSearchAttributes(ListSearchAttributesRequest.newBuilder().setNamespace(namespace).build())
          .getCustomAttributesMap();
      int added = 0;
      for (SearchAttributeKey<?> key : BuildSearchAttributes.ALL) {
        IndexedValueType type = existing.get(key.getName());
        if (type == null) {
          add(operator, namespace, key);
          out.println("registered " + key.getName() + " (" + typeName(key.getValueType()) + ") in " + where);
          added++;
        } else if (type != key.getValueType()) {
          err.println("error: " + where + " has " + key.getName() + " as " + typeName(type) + ", builds need "
              + typeName(key.getValueType()) + "; nothing was changed for it (Temporal cannot change a type)");
          return 1;
        }
      }
      out.println(where + ": all " + BuildSearchAttributes.ALL.size() + " precache search attributes registered ("
          + added + " added now)");
      return 0;
    } catch (StatusRuntimeException e) {
      err.println("error: registering search attributes in " + where + ": " + e.getStatus().getCode() + ": "
          + e.getStatus().getDescription());
      return 1;
    } finally {
      operator.shutdown();
    }
  }

  /** Tolerates a concurrent run that added it first. */
  private static void add(OperatorServiceStubs operator, String namespace, SearchAttributeKey<?> key) {
    try {
      operator.blockingStub().addSearchAttributes(AddSearchAttributesRequest.newBuilder().setNamespace(namespace)
          .putSearchAttributes(key.getName(), key.getValueType()).build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
        throw e;
      }
    }
  }

  private static String typeName(IndexedValueType type) {
    return type == IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST ? "KeywordList"
        : type == IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD ? "Keyword" : type.name();
  }
}
