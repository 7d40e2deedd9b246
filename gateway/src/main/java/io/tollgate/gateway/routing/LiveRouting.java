package io.tollgate.gateway.routing;

import io.tollgate.policy.records.PolicyRecords;
import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.schemas.avro.RoutingPolicy;
import io.tollgate.schemas.policy.TollgateConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code routing} section as the policy topic holds it now ({@code routing:settings}, published by
 * {@code tollgate policy apply}): fallback chains, local fallback, complexity tiers and auto-wait. {@link #refresh()}
 * is called when the record changes, so a running gateway routes by the new settings without a restart. A record
 * the router cannot use (complexity tiers out of order) is refused with a warning and the previous settings stay.
 */
public final class LiveRouting {

    private static final Logger LOG = LoggerFactory.getLogger(LiveRouting.class);
    /** Routing when no routing record has been published: no chains, no local fallback, no auto-wait. */
    static final TollgateConfig.Routing NONE = new TollgateConfig.Routing(Map.of(), null, List.of(), false, 10);

    private final PolicySnapshot policies;
    private final Optional<Duration> maxWaitOverride;
    private volatile TollgateConfig.Routing routing = NONE;
    private volatile PolicyRouter.Settings settings = PolicyRouter.Settings.from(NONE);

    /** @param maxWaitOverride {@code TOLLGATE_MAX_WAIT_MS}, which wins over the policy's {@code max_wait_seconds} */
    public LiveRouting(PolicySnapshot policies, Optional<Duration> maxWaitOverride) {
        this.policies = Objects.requireNonNull(policies, "policies");
        this.maxWaitOverride = Objects.requireNonNull(maxWaitOverride, "maxWaitOverride");
        refresh();
    }

    /** Reads the routing record again. */
    public void refresh() {
        TollgateConfig.Routing next = policies.variant(PolicyRecords.ROUTING_KEY, RoutingPolicy.class)
                .map(PolicyRecords::routing).orElse(NONE);
        try {
            PolicyRouter.Settings nextSettings = PolicyRouter.Settings.from(next);
            routing = next;
            settings = nextSettings;
        } catch (IllegalArgumentException e) {
            LOG.warn("routing record {} not applied, routing stays as it was: {}", PolicyRecords.ROUTING_KEY, e.getMessage());
        }
    }

    public PolicyRouter.Settings settings() {
        return settings;
    }

    public boolean autoWait() {
        return routing.autoWait();
    }

    /** The longest auto-wait: {@code TOLLGATE_MAX_WAIT_MS} when set, else the policy's {@code max_wait_seconds}. */
    public Duration maxWait() {
        return maxWaitOverride.orElseGet(() -> Duration.ofMillis(Math.round(routing.maxWaitSeconds() * 1000)));
    }
}
