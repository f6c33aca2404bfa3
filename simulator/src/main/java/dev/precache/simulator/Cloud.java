package dev.precache.simulator;

import dev.precache.simulator.cloudformation.Stack;
import dev.precache.simulator.ec2.Instance;
import dev.precache.simulator.ec2.Snapshot;
import dev.precache.simulator.ec2.Volume;
import dev.precache.simulator.fault.FaultConfig;
import dev.precache.simulator.fault.Faults;
import dev.precache.simulator.iam.IamModel;
import dev.precache.simulator.instance.CatalogImage;
import dev.precache.simulator.instance.RegistryCatalog;
import java.net.URI;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The whole simulated cloud: every region's service models, one clock, one timeline, one set of faults.
 * All access goes through this object's monitor; callers that read or change state synchronize on it
 * (or use these synchronized methods), after letting due timeline actions run via {@link #advance()}.
 */
public final class Cloud {
    public static final String ACCOUNT_ID = "123456789012";

    private final SimClock clock;
    private final RegistryCatalog catalog;
    private final Faults faults = new Faults();
    private final RequestLog requests = new RequestLog();
    private final Ids ids = new Ids();
    private final Timeline timeline = new Timeline();
    private final IamModel iam = new IamModel();
    private final Map<String, Region> regions = new LinkedHashMap<>();
    private volatile Map<String, URI> registryEndpoints = Map.of();

    public Cloud(SimClock clock, RegistryCatalog catalog) {
        this.clock = clock;
        this.catalog = catalog;
        catalog.useSimClock(clock::nowMillis);
    }

    public SimClock clock() {
        return clock;
    }

    public RegistryCatalog catalog() {
        return catalog;
    }

    /** The account's roles and instance profiles, as CloudFormation made them. */
    public IamModel iam() {
        return iam;
    }

    /** The registries' loopback endpoints by host, once the server started them; empty in-process without one. */
    public Map<String, URI> registryEndpoints() {
        return registryEndpoints;
    }

    public void useRegistryEndpoints(Map<String, URI> endpoints) {
        this.registryEndpoints = Map.copyOf(endpoints);
    }

    /**
     * Moves the tag to new content (a new top layer per platform, so new manifest and index digests), seen at
     * once by the registry servers and by pulls on instances.
     */
    public CatalogImage rebuildImage(String normalizedRef) {
        return catalog.rebuild(normalizedRef);
    }

    /** Applies every state change due by now; returns simulated now. */
    public synchronized long advance() {
        long now = clock.nowMillis();
        timeline.runDue(now);
        return now;
    }

    public synchronized Region region(String name) {
        return regions.computeIfAbsent(name, n -> new Region(
                new RegionContext(n, ACCOUNT_ID, ids, timeline, faults, catalog, iam)));
    }

    public synchronized Map<String, Region> regions() {
        return Map.copyOf(regions);
    }

    public synchronized void reset() {
        regions.clear();
        timeline.clear();
        faults.clear();
        requests.clear();
        iam.clear();
        ids.reset();
    }

    // ---- faults ----

    public Faults faults() {
        return faults;
    }

    /** Replaces every fault; pull failures reach instances that already run too. */
    public synchronized void applyFaults(FaultConfig config) {
        faults.apply(config);
        allInstances().forEach(i -> i.runtime().clearPullFaults());
        faults.pullFailures().forEach(f ->
                allInstances().forEach(i -> i.runtime().failPullsMatching(Pattern.compile(f.pattern()), f.message())));
    }

    public synchronized void failPullsMatching(String pattern, String message) {
        faults.failPullsMatching(pattern, message);
        allInstances().forEach(i -> i.runtime().failPullsMatching(Pattern.compile(pattern), message));
    }

    // ---- inspection ----

    /** Every AWS call answered so far. */
    public RequestLog requests() {
        return requests;
    }

    /** Every stack, deleted ones included (status DELETE_COMPLETE). */
    public synchronized Collection<Stack> allStacks() {
        advance();
        return regions.values().stream().flatMap(r -> r.cloudFormation().allStacks().stream()).toList();
    }

    /** Volumes that exist: those deleted with their instance are gone. */
    public synchronized Collection<Volume> allVolumes() {
        advance();
        return regions.values().stream().flatMap(r -> r.ec2().allVolumes().stream()).toList();
    }

    public synchronized Collection<Instance> allInstances() {
        advance();
        return regions.values().stream().flatMap(r -> r.ec2().allInstances().stream()).toList();
    }

    public synchronized Optional<Snapshot> snapshot(String snapshotId) {
        advance();
        return regions.values().stream().flatMap(r -> r.ec2().allSnapshots().stream())
                .filter(s -> s.id().equals(snapshotId)).findFirst();
    }

    public synchronized Collection<Snapshot> allSnapshots() {
        advance();
        return regions.values().stream().flatMap(r -> r.ec2().allSnapshots().stream()).toList();
    }
}
