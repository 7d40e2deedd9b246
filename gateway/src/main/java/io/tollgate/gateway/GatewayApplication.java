package io.tollgate.gateway;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.gateway.admission.Admission;
import io.tollgate.gateway.auth.ApiKeyStore;
import io.tollgate.gateway.call.CallExecutor;
import io.tollgate.gateway.call.CallMetrics;
import io.tollgate.gateway.catalog.BundledSource;
import io.tollgate.gateway.catalog.PolicyModelSource;
import io.tollgate.gateway.catalog.DiscoverySource;
import io.tollgate.gateway.catalog.EnvModelSource;
import io.tollgate.gateway.catalog.InferenceSource;
import io.tollgate.gateway.catalog.ModelCatalog;
import io.tollgate.gateway.catalog.ModelFileSource;
import io.tollgate.gateway.catalog.ModelSource;
import io.tollgate.gateway.config.GatewayConfig;
import io.tollgate.gateway.config.GatewayConfigLoader;
import io.tollgate.gateway.control.ControlPlane;
import io.tollgate.gateway.control.ControlSettings;
import io.tollgate.gateway.events.EventSink;
import io.tollgate.gateway.events.KafkaEventSink;
import io.tollgate.gateway.events.Spool;
import io.tollgate.gateway.http.AdminServer;
import io.tollgate.gateway.http.GatewayServer;
import io.tollgate.gateway.http.UsageEndpoint;
import io.tollgate.gateway.http.MeteringCalls;
import io.tollgate.gateway.resilience.ControlStats;
import io.tollgate.gateway.resilience.RetryingCircuitGuard;
import io.tollgate.gateway.resilience.UpstreamGuard;
import io.tollgate.gateway.routing.LiveRouting;
import io.tollgate.gateway.routing.Router;
import io.tollgate.gateway.upstream.ProviderDrift;
import io.tollgate.policy.limits.QuotaWarning;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.gateway.tokens.Tokenizers;
import io.tollgate.gateway.upstream.Providers;
import io.tollgate.policy.deadletter.DeadLetterPublisher;
import io.tollgate.policy.records.PolicyRecords;
import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.policy.topic.CompactedView;
import io.tollgate.policy.topic.PolicyView;
import io.tollgate.policy.access.AccessToken;
import io.tollgate.policy.access.TokenFile;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.policy.TollgateConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Wires the gateway and nothing else: catalog chain, providers, keys, event sink, request path,
 * the agents' listener and the admin listener. Usable as a library (the local-stack launcher):
 * {@code new GatewayApplication(config)}, {@link #start()}, {@link #port()}, {@link #adminPort()}, {@link #close()}. By default routing, admission and the
 * upstream guard are the {@link ControlPlane}'s (policy router, quota and command admission,
 * retries with a circuit breaker); {@link #builder} can replace each of them (tests).
 */
public final class GatewayApplication implements AutoCloseable {

    /** How the gateway names itself in the dead letters of records it refused. */
    public static final String APPLICATION = "tollgate-gateway";

    private final GatewayConfig config;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<DiscoverySource> discovery = new ArrayList<>();
    private final ApiKeyStore keys;
    private final ModelCatalog catalog;
    private final EventSink events;
    private final GatewayServer server;
    private final AdminServer admin;
    private final ControlStats stats;
    private final ControlPlane control;
    private final PolicySnapshot policies = new PolicySnapshot();
    private final LiveRouting routing;
    private final ProviderDrift providers;
    private final Providers upstreams;
    private PolicyView policyView;
    private DeadLetterPublisher deadLetters;

    public GatewayApplication(GatewayConfig config) {
        this(builder(config));
    }

    private GatewayApplication(Builder b) {
        this.config = b.config;
        TollgateConfig policy = config.policy();
        AtomicReference<ModelCatalog> catalogRef = new AtomicReference<>();
        List<ModelSource> chain = new ArrayList<>();
        chain.add(new EnvModelSource(config.env()));
        chain.add(new PolicyModelSource(policies));
        chain.addAll(ModelFileSource.standardLocations(config.workingDir(), config.homeDir()));
        for (TollgateConfig.Provider p : policy.providers()) {
            String kind = p.discovery() == null ? "none" : p.discovery().toLowerCase(Locale.ROOT);
            if (!kind.equals("none")) {
                DiscoverySource source = new DiscoverySource(p.name(), p.baseUrl(),
                        p.apiKeys().isEmpty() ? null : p.apiKeys().get(0),
                        kind.equals("openrouter") ? DiscoverySource.Kind.OPENROUTER : DiscoverySource.Kind.OPENAI,
                        config.discoveryTimeout(), config.discoveryTtl(), () -> {
                            ModelCatalog c = catalogRef.get();
                            if (c != null) {
                                c.invalidate();
                            }
                        });
                discovery.add(source);
                chain.add(source);
            }
        }
        chain.add(new InferenceSource());
        chain.add(BundledSource.load());
        this.catalog = new ModelCatalog(chain, config.catalogDefaults());
        catalogRef.set(catalog);
        this.keys = new ApiKeyStore(policies);
        this.routing = new LiveRouting(policies, config.maxWaitOverride());
        this.providers = new ProviderDrift(policy.providers());
        Topics topics = Topics.forRegistry(config.registryUrl());
        // records of the topics it follows that the gateway cannot read go to the dead-letter topic
        deadLetters = config.kafkaEnabled() ? new DeadLetterPublisher(config.kafka()) : DeadLetterPublisher.none();
        if (config.followPolicies() && config.kafkaEnabled()) {
            // the policy file is what `tollgate policy apply` publishes; a gateway reads only the topic
            policyView = PolicyView.follow(config.kafka(), topics.policies().valueSerde().deserializer(),
                    APPLICATION, policies, deadLetters, this::policyChanged);
        } else {
            PolicyRecords.toPolicies(policy, config.policySource()).forEach(policies::apply);
        }
        routing.refresh();
        providers.check(policies);
        this.events = b.events != null ? b.events : kafkaSink(topics);
        Gauge.builder("tollgate.gateway.spool.depth", events, EventSink::pendingEvents)
                .description("usage events accepted but not yet acknowledged by Kafka")
                .register(metrics);
        Gauge.builder("tollgate.gateway.api.keys", keys, ApiKeyStore::size).register(metrics);
        CallMetrics callMetrics = new CallMetrics(metrics);
        this.stats = new ControlStats(metrics);
        ControlSettings controlSettings = ControlSettings.from(policy, config.env());
        this.control = b.router != null && b.admission != null && b.guard != null ? null
                : new ControlPlane(policies, routing, controlSettings, catalog, config.kafka(), topics, metrics, stats,
                        CompactedView.Refusals.deadLetters(deadLetters, APPLICATION));
        Router router = b.router != null ? b.router : control.router();
        Admission admission = b.admission != null ? b.admission : control.admission();
        UpstreamGuard guard = b.guard != null ? b.guard : control.guard();
        this.upstreams = Providers.fromConfig(policy.providers());
        CallExecutor executor = new CallExecutor(catalog, new Tokenizers(), upstreams,
                router, admission, guard, events, callMetrics, config.gatewayId(), routing::maxWait,
                routing::autoWait, stats, () -> QuotaWarning.of(policies, controlSettings.quotaWarning()));
        UsageEndpoint.Source usage = control == null ? UsageEndpoint.Source.none()
                : UsageEndpoint.Source.of(control.quotaView(), control.limits(), control.calendars());
        this.server = new GatewayServer(keys, catalog, executor, callMetrics, config.maxBodyBytes(),
                new UsageEndpoint(usage, System::currentTimeMillis), MeteringCalls.fromEnv(config.env()));
        AccessToken adminToken = TokenFile.configuredOrFile(config.admin().token(),
                config.spoolDir().resolve(TokenFile.ADMIN), "admin token", "TOLLGATE_ADMIN_TOKEN");
        this.admin = new AdminServer(adminToken, keys, catalog, events, metrics, () -> adminStats(guard));
    }

    /**
     * A policy record changed on the topic: models and routing apply at once; providers hold secrets and are read
     * at start, so a changed provider is reported as needing a restart.
     */
    private void policyChanged(String key, Policy policy) {
        if (key.startsWith(PolicyRecords.MODEL_PREFIX)) {
            catalog.invalidate();
        } else if (key.equals(PolicyRecords.ROUTING_KEY)) {
            routing.refresh();
        } else if (key.startsWith(PolicyRecords.PROVIDER_PREFIX)) {
            providers.check(policies);
        }
    }

    private Map<String, Object> adminStats(UpstreamGuard guard) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("stats", stats.snapshot());
        out.put("providers", providers.describe());
        if (control != null) {
            out.put("control", control.describe());
        }
        if (guard instanceof RetryingCircuitGuard breakers && (control == null || breakers != control.guard())) {
            Map<String, String> states = new LinkedHashMap<>();
            breakers.states().forEach((k, v) -> states.put(k, v.name()));
            out.put("breakers", states);
        }
        return out;
    }

    private EventSink kafkaSink(Topics topics) {
        if (!config.kafkaEnabled()) {
            throw new IllegalArgumentException("KAFKA_BOOTSTRAP_SERVERS is not set: the gateway publishes every call's "
                    + "usage to Kafka; set it to the broker list, e.g. localhost:9092");
        }
        return new KafkaEventSink(new Spool(config.spoolDir(), 16L * 1024 * 1024), config.spoolMaxBytes(),
                config.kafka(), topics);
    }

    public static Builder builder(GatewayConfig config) {
        return new Builder(config);
    }

    /** Starts discovery (first fill, bounded by its timeout), the agents' listener and the admin listener. */
    public GatewayApplication start() {
        awaitPolicies();
        discovery.forEach(DiscoverySource::start);
        catalog.invalidate();
        if (control != null) {
            control.start();
        }
        admin.start(config.admin().host(), config.admin().port());
        try {
            server.start(config.host(), config.port());
        } catch (RuntimeException e) {
            admin.close(); // the agents' port was taken: leave nothing listening
            throw e;
        }
        admin.ready(true);
        return this;
    }

    private void awaitPolicies() {
        if (policyView == null) {
            return;
        }
        try {
            if (!policyView.awaitCaughtUp(java.time.Duration.ofSeconds(30))) {
                org.slf4j.LoggerFactory.getLogger(GatewayApplication.class).warn(
                        "policy topic {} not read to its end within 30 s; serving with the {} policies read so far",
                        Topics.POLICIES, policies.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public PolicySnapshot policies() {
        return policies;
    }

    /** The agents' listener's port. */
    public int port() {
        return server.port();
    }

    /** The admin listener's port. */
    public int adminPort() {
        return admin.port();
    }

    /** The registered routes of the agents' listener ({@code METHOD path}). */
    public List<String> agentRoutes() {
        return server.routes();
    }

    /** The registered routes of the admin listener ({@code METHOD path}). */
    public List<String> adminRoutes() {
        return admin.routes();
    }

    public ModelCatalog catalog() {
        return catalog;
    }

    public ApiKeyStore keys() {
        return keys;
    }

    public EventSink events() {
        return events;
    }

    /** The wired control components; empty when the builder replaced routing, admission and guard. */
    public java.util.Optional<ControlPlane> control() {
        return java.util.Optional.ofNullable(control);
    }

    public ControlStats stats() {
        return stats;
    }

    @Override
    public void close() {
        admin.ready(false);
        server.close();
        upstreams.close();
        admin.close();
        if (control != null) {
            control.close();
        }
        if (policyView != null) {
            policyView.close();
        }
        if (deadLetters != null) {
            deadLetters.close();
        }
        discovery.forEach(DiscoverySource::close);
        events.close();
    }

    public static void main(String[] args) {
        GatewayConfig config = new GatewayConfigLoader(System.getenv()).load();
        GatewayApplication app = new GatewayApplication(config).start();
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "tollgate-gateway-shutdown"));
        System.out.println("tollgate gateway listening on " + config.host() + ":" + app.port() + " (agents) and "
                + config.admin().host() + ":" + app.adminPort() + " (admin, metrics, health)");
    }

    /**
     * Replaces routing, admission, the upstream guard or (for tests) the event sink. Unset ones come
     * from the {@link ControlPlane}; {@link #withoutControl()} restores the proxy-only behaviour.
     */
    public static final class Builder {
        private final GatewayConfig config;
        private Router router;
        private Admission admission;
        private UpstreamGuard guard;
        private EventSink events;

        private Builder(GatewayConfig config) {
            this.config = config;
        }

        public Builder router(Router router) {
            this.router = router;
            return this;
        }

        public Builder admission(Admission admission) {
            this.admission = admission;
            return this;
        }

        public Builder guard(UpstreamGuard guard) {
            this.guard = guard;
            return this;
        }

        /** Routes directly, admits everything, makes one attempt: the gateway as a plain metering proxy. */
        public Builder withoutControl() {
            return router(Router.direct()).admission(Admission.unlimited()).guard(UpstreamGuard.none());
        }

        public Builder eventSink(EventSink events) {
            this.events = events;
            return this;
        }

        public GatewayApplication build() {
            return new GatewayApplication(this);
        }
    }
}
