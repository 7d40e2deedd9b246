package io.tollgate.gateway.control;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.gateway.admission.Admission;
import io.tollgate.gateway.admission.CommandAwareAdmission;
import io.tollgate.gateway.admission.QuotaAdmission;
import io.tollgate.gateway.admission.QuotaView;
import io.tollgate.gateway.admission.QuotaViewConsumer;
import io.tollgate.gateway.catalog.ModelCatalog;
import io.tollgate.gateway.resilience.ControlStats;
import io.tollgate.gateway.resilience.RetryingCircuitGuard;
import io.tollgate.gateway.routing.CatalogModelDirectory;
import io.tollgate.gateway.routing.CommandConsumer;
import io.tollgate.gateway.routing.CommandView;
import io.tollgate.gateway.routing.ComplexityScorer;
import io.tollgate.gateway.routing.LiveRouting;
import io.tollgate.gateway.routing.PolicyRouter;
import io.tollgate.policy.calendar.Calendars;
import io.tollgate.policy.limits.LimitResolver;
import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.policy.topic.CompactedView;
import io.tollgate.schemas.Topics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's control components wired together, started and closed with the gateway:
 * <ul>
 *   <li>a {@link QuotaView} fed by {@link QuotaViewConsumer} from {@code tollgate.quota-status.v1};</li>
 *   <li>a {@link LimitResolver} and the {@link Calendars} over the gateway's {@link PolicySnapshot}: the
 *       {@code tier:}, {@code key:}, {@code tenant:} and {@code org:settings} records of
 *       {@code tollgate.policies.v1}, live (or the policy file's, with {@code TOLLGATE_POLICY_TOPIC=false});</li>
 *   <li>a {@link CommandView} fed by {@link CommandConsumer} from {@code tollgate.commands.v1};</li>
 *   <li>the {@link FleetMembership}: how many gateways share the limits (gauge
 *       {@value FleetMembership#SIZE_GAUGE});</li>
 *   <li>admission = {@link CommandAwareAdmission} (BLOCK first) over {@link QuotaAdmission};</li>
 *   <li>the {@link PolicyRouter} over the gateway's catalog ({@link CatalogModelDirectory}), with the routing
 *       settings of {@link LiveRouting};</li>
 *   <li>a {@link RetryingCircuitGuard} reporting breaker transitions to {@link ControlStats}.</li>
 * </ul>
 * Without Kafka the views stay empty and the fleet is this gateway alone: admission counts its own calls
 * against the limits of the policy snapshot, and no command applies.
 */
public final class ControlPlane implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);

    private final ControlSettings settings;
    private final QuotaView quotaView = new QuotaView();
    private final CommandView commands = new CommandView();
    private final LimitResolver limits;
    private final Calendars calendars;
    private final QuotaAdmission quota;
    private final Admission admission;
    private final PolicyRouter router;
    private final RetryingCircuitGuard guard;
    private final ControlStats stats;
    private final List<AutoCloseable> consumers = new ArrayList<>();
    private QuotaViewConsumer quotaConsumer;
    private CommandConsumer commandConsumer;
    private FleetMembership fleet;

    /**
     * @param kafka    Kafka client settings; empty (no {@code bootstrap.servers}) = no views from topics
     * @param refusals what happens to a quota status or command that cannot be read (the gateway dead-letters it)
     */
    public ControlPlane(PolicySnapshot policies, LiveRouting routing, ControlSettings settings, ModelCatalog catalog,
                        Map<String, Object> kafka, Topics topics, MeterRegistry metrics, ControlStats stats,
                        CompactedView.Refusals refusals) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.stats = Objects.requireNonNull(stats, "stats");
        this.limits = new LimitResolver(policies);
        this.calendars = new Calendars(policies, settings.calendar());
        if (kafka.containsKey("bootstrap.servers")) {
            fleet = new FleetMembership(kafka, settings.fleetGroup());
        }
        this.quota = new QuotaAdmission(quotaView, limits, calendars, this::fleetSize, settings.admission());
        this.admission = new CommandAwareAdmission(quota, commands);
        this.router = new PolicyRouter(new CatalogModelDirectory(catalog, 5_000, System::currentTimeMillis), commands,
                new ComplexityScorer(), routing::settings, System::currentTimeMillis);
        this.guard = new RetryingCircuitGuard(settings.guard(), new Random(), stats);
        if (kafka.containsKey("bootstrap.servers")) {
            quotaConsumer = new QuotaViewConsumer(kafka, topics, quotaView, metrics, Clock.systemUTC(), refusals);
            commandConsumer = new CommandConsumer(kafka, topics, commands, refusals);
        }
        Gauge.builder(FleetMembership.SIZE_GAUGE, this, ControlPlane::fleetSize)
                .description("Gateways sharing the limits: live members of the gateways' consumer group")
                .register(metrics);
    }

    /**
     * Starts the views and the fleet membership, and waits, up to {@code catchUp}, until the views have read
     * their topics and the group lists this gateway (until then the others do not count it in their N).
     */
    public ControlPlane start() {
        if (quotaConsumer == null) {
            return this;
        }
        consumers.add(quotaConsumer.start());
        consumers.add(commandConsumer.start());
        consumers.add(fleet.start());
        try {
            long deadline = System.nanoTime() + settings.catchUp().toNanos();
            boolean quotaReady = quotaConsumer.awaitCaughtUp(remaining(deadline));
            boolean commandsReady = commandConsumer.awaitCaughtUp(remaining(deadline));
            boolean joined = fleet.awaitJoined(remaining(deadline));
            if (!(quotaReady && commandsReady && joined)) {
                // serving on a partial view is the fail-open choice; the staleness and fleet gauges show it
                LOG.warn("control plane not ready after {} (quota view {}, commands {}, fleet group {} joined {}); "
                        + "serving anyway", settings.catchUp(), quotaReady, commandsReady, fleet.groupId(), joined);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return this;
    }

    private static java.time.Duration remaining(long deadlineNanos) {
        return java.time.Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }

    public Admission admission() {
        return admission;
    }

    public PolicyRouter router() {
        return router;
    }

    public RetryingCircuitGuard guard() {
        return guard;
    }

    public QuotaAdmission quota() {
        return quota;
    }

    public QuotaView quotaView() {
        return quotaView;
    }

    public CommandView commands() {
        return commands;
    }

    public Calendars calendars() {
        return calendars;
    }

    /** Gateways sharing the limits now: the fleet group's live members, 1 without Kafka. */
    public int fleetSize() {
        return fleet == null ? 1 : fleet.size();
    }

    public LimitResolver limits() {
        return limits;
    }

    public ControlStats stats() {
        return stats;
    }

    public ControlSettings settings() {
        return settings;
    }

    /** Breaker states and view sizes, for {@code GET /admin/stats}. */
    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, String> breakers = new LinkedHashMap<>();
        guard.states().forEach((k, s) -> breakers.put(k, s.name()));
        out.put("breakers", breakers);
        out.put("quotaViewEntries", quotaView.size());
        long staleness = quotaView.stalenessMillis(System.currentTimeMillis());
        out.put("quotaViewStalenessMillis", staleness == Long.MAX_VALUE ? null : staleness);
        out.put("commandsInView", commands.size());
        out.put("fleetSize", fleetSize());
        out.put("fleetGroup", fleet == null ? null : fleet.groupId());
        out.put("failMode", settings.admission().failMode().name());
        return out;
    }

    @Override
    public void close() {
        for (AutoCloseable c : consumers.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("closing a control view failed", e);
            }
        }
    }
}
