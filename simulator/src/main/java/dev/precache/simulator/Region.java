package dev.precache.simulator;

import dev.precache.simulator.cloudformation.CloudFormationModel;
import dev.precache.simulator.ec2.BottlerocketImages;
import dev.precache.simulator.ec2.Ec2Model;
import dev.precache.simulator.instance.InstanceAwsCalls;
import dev.precache.simulator.instance.InstanceRole;
import dev.precache.simulator.ssm.SsmForInstances;
import dev.precache.simulator.ssm.SsmModel;

/** The service models of one region, wired to each other the way the services depend on each other. */
public final class Region {
    private final Ec2Model ec2;
    private final SsmModel ssm;
    private final CloudFormationModel cloudFormation;
    private final RegionContext context;

    Region(RegionContext context) {
        this.context = context;
        this.ec2 = new Ec2Model(context, new BottlerocketImages(context.region()), this::answerInstance);
        this.ssm = new SsmModel(context, ec2);
        this.cloudFormation = new CloudFormationModel(context, ec2, ssm);
    }

    /** An instance's own call to an AWS API of its region: SSM's Parameter Store, as the instance role. */
    private InstanceAwsCalls.Answer answerInstance(String service, String region, String target, String body,
            InstanceRole caller, long now) {
        if (!service.equals("ssm") || !region.equals(context.region())) {
            return InstanceAwsCalls.unreachable().call(service, region, target, body, caller, now);
        }
        return new SsmForInstances(ssm, context).call(target, body, caller, now);
    }

    public Ec2Model ec2() {
        return ec2;
    }

    public SsmModel ssm() {
        return ssm;
    }

    public CloudFormationModel cloudFormation() {
        return cloudFormation;
    }
}
