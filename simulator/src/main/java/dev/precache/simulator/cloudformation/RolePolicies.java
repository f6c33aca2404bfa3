package dev.precache.simulator.cloudformation;

import dev.precache.simulator.iam.IamModel;
import java.util.ArrayList;
import java.util.List;

/** Reads an {@code AWS::IAM::Role}'s ManagedPolicyArns and inline Policies into the account's IAM model. */
final class RolePolicies {
    private RolePolicies() {}

    static void register(IamModel iam, String roleName, ResourceProperties role) {
        List<IamModel.Statement> inline = new ArrayList<>();
        for (ResourceProperties policy : role.list("Policies")) {
            for (ResourceProperties statement : policy.object("PolicyDocument").list("Statement")) {
                if ("Allow".equals(statement.string("Effect"))) {
                    inline.add(new IamModel.Statement(statement.strings("Action"), statement.strings("Resource")));
                }
            }
        }
        iam.putRole(roleName, role.strings("ManagedPolicyArns"), inline);
    }
}
