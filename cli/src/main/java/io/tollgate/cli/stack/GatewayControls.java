package io.tollgate.cli.stack;

import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.gateway.GatewayApplication;
import io.tollgate.gateway.admission.CommandAwareAdmission;
import io.tollgate.gateway.admission.LimitResolver;
import io.tollgate.gateway.admission.QuotaAdmission;
import io.tollgate.gateway.admission.QuotaView;
import io.tollgate.gateway.admission.QuotaViewConsumer;
import io.tollgate.gateway.config.GatewayConfig;
import io.tollgate.gateway.resilience.ControlStats;
import io.tollgate.gateway.resilience.RetryingCircuitGuard;
import io.tollgate.gateway.routing.CommandConsumer;
import io.tollgate.gateway.routing.CommandView;
import io.tollgate.gateway.routing.CompactedViewConsumer;
import io.tollgate.gateway.routing.ComplexityScorer;
import io.tollgate.gateway.routing.ConfigModelDirectory;
import io.tollgate.gateway.routing.PolicyRouter;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.policy.TollgateConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Random;

/**
 * The gateway's control components wired for the local stack: quota admission over the quota-status
 * view, BLOCK commands before it, the policy router (complexity tiers, fallback chains, DOWNGRADE
 * commands) and retries with a circuit breaker. The gateway's own {@code main} does not wire these
 * yet; this class is the one place that does, so it can move into {@code GatewayApplication} as is.
 */
public final class GatewayControls implements AutoCloseable {

    private final QuotaViewConsumer quotaConsumer;
    private final CommandConsumer commandConsumer;
    private final CompactedViewConsumer<io.tollgate.schemas.avro.Policy> limitsConsumer;
    private final QuotaAdmission quota;
    private final CommandView commands;
    private final PolicyRouter router;
    private final RetryingCircuitGuard guard;

    private GatewayControls(GatewayConfig config, MeterRegistry metrics) {
        TollgateConfig policy = config.policy();
        Topics topics = Topics.forRegistry(config.registryUrl());
        QuotaView quotaView = new QuotaView();
        LimitResolver limits = LimitResolver.fromConfig(policy);
        TollgateConfig.Organisation org = policy.organisation();
        QuotaAdmission.Settings settings = QuotaAdmission.Settings.defaults()
                .withDay(ZoneId.of(org.zone()), org.resetHour());
        this.quota = new QuotaAdmission(quotaView, limits, settings);
        this.commands = new CommandView();
        this.quotaConsumer = new QuotaViewConsumer(config.kafka(), topics, quotaView, metrics, Clock.systemUTC());
        this.commandConsumer = new CommandConsumer(config.kafka(), topics, commands);
        // tiers and per-key limits follow the policy topic, like the keys themselves
        this.limitsConsumer = new CompactedViewConsumer<>("limits-view", config.kafka(), Topics.POLICIES,
                topics.policies().valueSerde().deserializer(), limits::apply);
        this.router = new PolicyRouter(ConfigModelDirectory.of(policy), commands, new ComplexityScorer(),
                policy.routing() == null
                        ? new PolicyRouter.Settings(java.util.List.of(), java.util.Map.of(), null)
                        : PolicyRouter.Settings.from(policy.routing()), System::currentTimeMillis);
        this.guard = new RetryingCircuitGuard(RetryingCircuitGuard.Settings.defaults(), new Random(),
                new ControlStats(metrics));
    }

    /** Starts the views and waits (bounded) until they have read their topics, so the first call sees them. */
    public static GatewayControls start(GatewayConfig config, MeterRegistry metrics, Duration catchUp)
            throws InterruptedException {
        GatewayControls controls = new GatewayControls(config, metrics);
        controls.quotaConsumer.start();
        controls.commandConsumer.start();
        controls.limitsConsumer.start();
        controls.quotaConsumer.awaitCaughtUp(catchUp);
        controls.commandConsumer.awaitCaughtUp(catchUp);
        controls.limitsConsumer.awaitCaughtUp(catchUp);
        return controls;
    }

    /** The gateway with these controls plugged in. */
    public GatewayApplication.Builder applyTo(GatewayApplication.Builder builder) {
        return builder.router(router).admission(new CommandAwareAdmission(quota, commands)).guard(guard);
    }

    @Override
    public void close() {
        limitsConsumer.close();
        commandConsumer.close();
        quotaConsumer.close();
    }
}
