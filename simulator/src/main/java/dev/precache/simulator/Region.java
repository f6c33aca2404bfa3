package dev.precache.simulator;

import dev.precache.simulator.cloudformation.CloudFormationModel;
import dev.precache.simulator.ec2.BottlerocketImages;
import dev.precache.simulator.ec2.Ec2Model;
import dev.precache.simulator.ssm.SsmModel;

/** The service models of one region, wired to each other the way the services depend on each other. */
public final class Region {
    private final Ec2Model ec2;
    private final SsmModel ssm;
    private final CloudFormationModel cloudFormation;

    Region(RegionContext context) {
        this.ec2 = new Ec2Model(context, new BottlerocketImages(context.region()));
        this.ssm = new SsmModel(context, ec2);
        this.cloudFormation = new CloudFormationModel(context, ec2, ssm);
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
