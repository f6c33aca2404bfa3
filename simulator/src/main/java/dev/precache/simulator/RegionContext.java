package dev.precache.simulator;

import dev.precache.simulator.fault.Faults;
import dev.precache.simulator.iam.IamModel;
import dev.precache.simulator.instance.RegistryCatalog;

/** What every service model of one region shares with the rest of the cloud. */
public record RegionContext(String region, String accountId, Ids ids, Timeline timeline, Faults faults,
                            RegistryCatalog catalog, IamModel iam) {}
