package dev.precache.simulator.cloudformation;

import dev.precache.simulator.AwsException;
import dev.precache.simulator.cloudformation.template.ParameterDeclaration;
import dev.precache.simulator.cloudformation.template.Template;
import dev.precache.simulator.protocol.QueryRequest;
import dev.precache.simulator.protocol.XmlWriter;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The CloudFormation query protocol: {@code Name.member.N} lists in, 2010-05-15 XML out. */
public final class CloudFormationResponses {
    public static final String NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

    private final CloudFormationModel model;

    public CloudFormationResponses(CloudFormationModel model) {
        this.model = model;
    }

    public String handle(QueryRequest request, String requestId, long now) {
        String action = request.action();
        XmlWriter xml = new XmlWriter().root(action + "Response", NAMESPACE).start(action + "Result");
        switch (action) {
            case "CreateStack" -> xml.element("StackId", model.createStack(request.required("StackName"),
                    templateBody(request), parameters(request), request.list("Capabilities.member"),
                    request.get("ClientRequestToken").orElse(null), request.tags("Tags.member"), now).id());
            case "UpdateStack" -> xml.element("StackId", model.updateStack(request.required("StackName"),
                    templateBody(request), parameters(request), request.list("Capabilities.member"),
                    request.tags("Tags.member"), now).id());
            case "DescribeStacks" -> describeStacks(request, xml);
            case "DescribeStackEvents" -> describeStackEvents(request, xml);
            case "DescribeStackResources" -> describeStackResources(request, xml);
            case "DeleteStack" -> model.deleteStack(request.required("StackName"), now);
            case "ListStacks" -> listStacks(request, xml);
            case "CreateChangeSet" -> {
                ChangeSet changeSet = model.createChangeSet(request.required("StackName"),
                        request.required("ChangeSetName"), request.get("ChangeSetType").orElse("UPDATE"),
                        templateBody(request), parameters(request), request.list("Capabilities.member"),
                        request.tags("Tags.member"), now);
                xml.element("Id", changeSet.id()).element("StackId", changeSet.stackId());
            }
            case "DescribeChangeSet" -> describeChangeSet(request, xml);
            case "ExecuteChangeSet" -> model.executeChangeSet(request.get("StackName").orElse(""),
                    request.required("ChangeSetName"), now);
            case "DeleteChangeSet" -> model.deleteChangeSet(request.get("StackName").orElse(""),
                    request.required("ChangeSetName"));
            case "ValidateTemplate" -> validateTemplate(model.template(templateBody(request)), xml);
            case "GetTemplateSummary" -> templateSummary(request.get("StackName").map(model::stackTemplate)
                    .orElseGet(() -> model.template(templateBody(request))), xml);
            default -> throw new AwsException("InvalidAction", "Could not find operation " + action);
        }
        return xml.end().start("ResponseMetadata").element("RequestId", requestId).end().toXml();
    }

    private static String templateBody(QueryRequest request) {
        return request.get("TemplateBody").orElseThrow(() -> new AwsException("ValidationError",
                request.get("TemplateURL").isPresent() ? "TemplateURL is not supported by the simulator; send TemplateBody"
                        : "Either Template URL or Template Body must be specified."));
    }

    private static GivenParameters parameters(QueryRequest request) {
        Map<String, String> values = new LinkedHashMap<>();
        Set<String> usePrevious = new LinkedHashSet<>();
        for (QueryRequest parameter : request.members("Parameters.member")) {
            String key = parameter.required("ParameterKey");
            if (parameter.flag("UsePreviousValue")) {
                usePrevious.add(key);
            } else {
                values.put(key, parameter.get("ParameterValue").orElse(""));
            }
        }
        return new GivenParameters(values, usePrevious);
    }

    private static void validateTemplate(Template template, XmlWriter xml) {
        xml.start("Parameters");
        for (ParameterDeclaration parameter : template.parameters()) {
            xml.start("member").element("ParameterKey", parameter.name())
                    .element("DefaultValue", parameter.defaultValue().orElse(null))
                    .element("NoEcho", parameter.noEcho())
                    .element("Description", parameter.description().orElse(null)).end();
        }
        xml.end().element("Description", template.description().orElse(null));
        capabilities(template, xml);
    }

    private static void templateSummary(Template template, XmlWriter xml) {
        xml.start("Parameters");
        for (ParameterDeclaration parameter : template.parameters()) {
            xml.start("member").element("ParameterKey", parameter.name())
                    .element("DefaultValue", parameter.defaultValue().orElse(null))
                    .element("ParameterType", parameter.type())
                    .element("NoEcho", parameter.noEcho())
                    .element("Description", parameter.description().orElse(null))
                    .start("ParameterConstraints").start("AllowedValues");
            parameter.allowedValues().forEach(value -> xml.element("member", value));
            xml.end().end().end();
        }
        xml.end().element("Description", template.description().orElse(null));
        capabilities(template, xml);
        xml.start("ResourceTypes");
        template.resourceTypes().forEach(type -> xml.element("member", type));
        xml.end().element("Version", template.formatVersion().orElse(null)).start("DeclaredTransforms").end();
    }

    private static void capabilities(Template template, XmlWriter xml) {
        xml.start("Capabilities");
        template.requiredCapability().ifPresent(capability -> xml.element("member", capability));
        xml.end();
        if (template.requiredCapability().isPresent()) {
            xml.element("CapabilitiesReason", "The following resource(s) require capabilities: "
                    + template.iamResourceTypes());
        }
    }

    private void describeStacks(QueryRequest request, XmlWriter xml) {
        List<Stack> stacks = request.get("StackName").map(name -> List.of(model.stack(name)))
                .orElseGet(model::liveStacks);
        xml.start("Stacks");
        for (Stack stack : stacks) {
            xml.start("member").element("StackId", stack.id).element("StackName", stack.name)
                    .element("CreationTime", stack.created).element("LastUpdatedTime", stack.lastUpdated)
                    .element("DeletionTime", stack.deleted).element("StackStatus", stack.status)
                    .element("StackStatusReason", stack.statusReason).element("DisableRollback", false)
                    .start("Parameters");
            Map<String, String> resolved = stack.template.ssmResolvedValues();
            stack.template.resolvedParameters().forEach((k, v) -> xml.start("member").element("ParameterKey", k)
                    .element("ParameterValue", v).element("ResolvedValue", resolved.get(k)).end());
            xml.end().start("Outputs");
            stack.outputs.forEach((k, v) -> xml.start("member").element("OutputKey", k).element("OutputValue", v).end());
            xml.end().start("Tags");
            stack.tags.forEach((k, v) -> xml.start("member").element("Key", k).element("Value", v).end());
            xml.end().start("Capabilities");
            stack.capabilities.forEach(capability -> xml.element("member", capability));
            xml.end()
                    .start("DriftInformation").element("StackDriftStatus", "NOT_CHECKED").end().end();
        }
        xml.end();
    }

    private void describeStackEvents(QueryRequest request, XmlWriter xml) {
        Stack stack = model.stack(request.required("StackName"));
        List<StackEvent> events = stack.events;
        xml.start("StackEvents");
        for (int i = events.size() - 1; i >= 0; i--) {
            StackEvent event = events.get(i);
            xml.start("member").element("StackId", stack.id).element("EventId", event.eventId())
                    .element("StackName", stack.name).element("LogicalResourceId", event.logicalId())
                    .element("PhysicalResourceId", event.physicalId()).element("ResourceType", event.resourceType())
                    .element("Timestamp", event.timestamp()).element("ResourceStatus", event.status())
                    .element("ResourceStatusReason", event.reason()).end();
        }
        xml.end();
    }

    private void describeStackResources(QueryRequest request, XmlWriter xml) {
        Stack stack = model.stack(request.required("StackName"));
        xml.start("StackResources");
        for (StackResource resource : stack.resources.values()) {
            xml.start("member").element("StackId", stack.id).element("StackName", stack.name)
                    .element("LogicalResourceId", resource.logicalId())
                    .element("PhysicalResourceId", resource.physicalId())
                    .element("ResourceType", resource.type()).element("Timestamp", resource.updated())
                    .element("ResourceStatus", resource.status()).end();
        }
        xml.end();
    }

    private void listStacks(QueryRequest request, XmlWriter xml) {
        List<String> statuses = request.list("StackStatusFilter.member");
        xml.start("StackSummaries");
        for (Stack stack : model.allStacks()) {
            if (statuses.isEmpty() || statuses.contains(stack.status)) {
                xml.start("member").element("StackId", stack.id).element("StackName", stack.name)
                        .element("CreationTime", stack.created).element("DeletionTime", stack.deleted)
                        .element("StackStatus", stack.status).element("StackStatusReason", stack.statusReason).end();
            }
        }
        xml.end();
    }

    private void describeChangeSet(QueryRequest request, XmlWriter xml) {
        ChangeSet changeSet = model.changeSet(request.get("StackName").orElse(""), request.required("ChangeSetName"));
        xml.element("ChangeSetId", changeSet.id()).element("ChangeSetName", changeSet.name())
                .element("StackId", changeSet.stackId()).element("StackName", changeSet.stackName())
                .element("CreationTime", changeSet.created()).element("Status", changeSet.status())
                .element("StatusReason", changeSet.statusReason())
                .element("ExecutionStatus", changeSet.executionStatus()).start("Parameters");
        changeSet.parameters().forEach((k, v) -> xml.start("member").element("ParameterKey", k)
                .element("ParameterValue", v).end());
        xml.end().start("Capabilities");
        changeSet.capabilities().forEach(capability -> xml.element("member", capability));
        xml.end().start("Changes");
        for (ChangeSet.ResourceChange change : changeSet.changes()) {
            xml.start("member").element("Type", "Resource").start("ResourceChange")
                    .element("Action", change.action()).element("LogicalResourceId", change.logicalId())
                    .element("PhysicalResourceId", change.physicalId()).element("ResourceType", change.resourceType())
                    .element("Replacement", change.replacement()).end().end();
        }
        xml.end();
    }
}
