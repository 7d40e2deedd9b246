package io.tollgate.cli.stack;

import io.tollgate.budget.BudgetAlertsApplication;
import io.tollgate.budget.config.ConfigLoader;
import io.tollgate.cli.ops.ConnectionOptions;
import io.tollgate.cli.ops.ServiceHttp;
import io.tollgate.cli.policy.PolicyChange;
import io.tollgate.cli.policy.PolicyCommand;
import io.tollgate.gateway.GatewayApplication;
import io.tollgate.gateway.config.GatewayConfig;
import io.tollgate.gateway.config.GatewayConfigLoader;
import io.tollgate.localstack.LocalStack;
import io.tollgate.localstack.provider.Behaviour;
import io.tollgate.metering.MeteringApplication;
import io.tollgate.metering.config.MeteringConfigLoader;
import io.tollgate.schemas.policy.PolicyFileParser;
import io.tollgate.schemas.policy.TollgateConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.LoggerFactory;

/**
 * The whole of Tollgate in this JVM: the local stack's broker, registry and simulated provider, the
 * policy file applied to the policy topic, metering-stream, budget-alerts and the gateway, each
 * talking to the others only through Kafka and the registry as separate processes would.
 */
public final class TollgateStack implements AutoCloseable {

    /** Environment variable the example policy file uses for the simulated provider's address. */
    public static final String PROVIDER_URL_VARIABLE = "TOLLGATE_SIMULATED_PROVIDER_URL";

    /**
     * Kafka Streams does not leave its consumer group on close, so a restarted service waits for
     * the previous member's session to expire before it gets its partitions: 45 s with Kafka's
     * default, measured as 60 s from {@code up} to ready on reused data. One local instance per
     * service can afford a shorter session; the heartbeat stays at a third of it.
     */
    static final Map<String, String> RESTART_FRIENDLY_GROUPS = Map.of("session.timeout.ms", "10000",
            "heartbeat.interval.ms", "3000");

    private final LocalStack infrastructure;
    private final TollgateConfig policy;
    private final List<PolicyChange> applied;
    private final String gatewayUrl;
    private final String meteringUrl;
    private final String budgetUrl;

    private TollgateStack(LocalStack infrastructure, TollgateConfig policy, List<PolicyChange> applied,
                          String gatewayUrl, String meteringUrl, String budgetUrl) {
        this.infrastructure = infrastructure;
        this.policy = policy;
        this.applied = applied;
        this.gatewayUrl = gatewayUrl;
        this.meteringUrl = meteringUrl;
        this.budgetUrl = budgetUrl;
    }

    /**
     * Starts everything and returns when every service answers ready. A bad policy file fails before
     * anything starts; a failure later stops what was started.
     */
    public static TollgateStack start(StackSettings settings, Consumer<String> progress) throws InterruptedException {
        PolicyFileParser.parse(settings.config()); // a bad file fails here, before anything starts
        if (settings.infrastructure().fresh()) {
            wipe(settings.dataDir(), List.of("metering-state", "budget-state", "gateway-spool"));
        }
        progress.accept("starting Kafka, the schema registry and the simulated provider");
        LocalStack stack = LocalStack.start(settings.infrastructure());
        try {
            stack.provider().scenario().setDefault(Behaviour.DEFAULT.withLatency(settings.providerLatency())
                    .withChunkDelay(settings.chunkDelay()).withErrorRate(settings.errorRate()));
            String providerUrl = stack.providerUrl();
            TollgateConfig policy = PolicyFileParser.parse(settings.config(),
                    name -> PROVIDER_URL_VARIABLE.equals(name) ? providerUrl : System.getenv(name));
            String source = settings.config().getFileName().toString();
            progress.accept("applying " + settings.config() + " to the policy topic");
            ConnectionOptions connection = new ConnectionOptions(stack.bootstrapServers(), stack.registryUrl());
            List<PolicyChange> applied = PolicyCommand.apply(policy, source, connection, Duration.ofSeconds(30), true,
                    false, progress);

            // the three services only meet through Kafka: start them side by side
            progress.accept("starting metering-stream, budget-alerts and the gateway");
            Map<String, String> meteringKafka = new HashMap<>(RESTART_FRIENDLY_GROUPS);
            meteringKafka.put("bootstrap.servers", stack.bootstrapServers());
            GatewayConfig gatewayConfig = new GatewayConfigLoader(gatewayEnvironment(settings, stack)).load(policy, source);
            MeteringApplication metering;
            BudgetAlertsApplication budget;
            GatewayApplication gateway;
            List<String> failures = new java.util.ArrayList<>();
            try (ExecutorService starters = Executors.newFixedThreadPool(3)) {
                Future<MeteringApplication> m = starters.submit(() -> new MeteringApplication(
                        MeteringConfigLoader.fromMaps(meteringKeys(settings, stack, policy), meteringKafka)).start());
                Future<BudgetAlertsApplication> b = starters.submit(() -> new BudgetAlertsApplication(
                        ConfigLoader.load(null, budgetEnvironment(settings, stack, policy))).start());
                // the gateway wires its own control plane (quota, command and policy views) and waits for it
                Future<GatewayApplication> g = starters.submit(() -> new GatewayApplication(gatewayConfig).start());
                // joined in this order and registered at once, so whatever started is stopped on a failure
                metering = joined(m, started -> {
                    String queries = withoutTrailingSlash(started.advertisedUrl().toString());
                    stack.addService("Metering queries", queries, started);
                    // the dashboard is a page of the query server: listed for people, nothing of its own to stop
                    stack.addService("Dashboard", queries + "/dashboard", () -> { });
                }, failures);
                budget = joined(b, started -> stack.addService("Budget REST", "http://127.0.0.1:" + started.httpPort(), started), failures);
                gateway = joined(g, started -> stack.addService("Gateway", "http://127.0.0.1:" + started.port() + "/v1", started),
                        failures);
            }
            if (!failures.isEmpty()) {
                throw new IllegalStateException("could not start the stack: " + String.join("; ", failures));
            }
            String budgetUrl = "http://127.0.0.1:" + budget.httpPort();
            String gatewayUrl = "http://127.0.0.1:" + gateway.port();

            String meteringUrl = withoutTrailingSlash(metering.advertisedUrl().toString());
            awaitReady(List.of(meteringUrl + "/readyz", budgetUrl + "/readyz", gatewayUrl + "/health/ready"),
                    Duration.ofSeconds(120), progress);
            return new TollgateStack(stack, policy, applied, gatewayUrl, meteringUrl, budgetUrl);
        } catch (RuntimeException | InterruptedException e) {
            stack.close();
            throw e;
        }
    }

    /** The started service, registered with {@code register}; null (reported) when it failed to start. */
    private static <T> T joined(Future<T> future, Consumer<T> register, List<String> failures)
            throws InterruptedException {
        try {
            T started = future.get();
            register.accept(started);
            return started;
        } catch (ExecutionException e) {
            LoggerFactory.getLogger(TollgateStack.class).error("a service failed to start", e.getCause());
            failures.add(String.valueOf(e.getCause().getMessage()));
            return null;
        }
    }

    private static String withoutTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static Map<String, String> meteringKeys(StackSettings settings, LocalStack stack, TollgateConfig policy) {
        Map<String, String> keys = new HashMap<>();
        keys.put("schema.registry.url", stack.registryUrl());
        keys.put("metering.http.port", String.valueOf(settings.meteringPort()));
        keys.put("state.dir", settings.dataDir().resolve("metering-state").toString());
        keys.put("zone", policy.organisation().zone());
        keys.put("reset.hour", String.valueOf(policy.organisation().resetHour()));
        keys.put("metering.topic.partitions", String.valueOf(settings.infrastructure().partitions()));
        return keys;
    }

    private static Map<String, String> budgetEnvironment(StackSettings settings, LocalStack stack, TollgateConfig policy) {
        Map<String, String> env = new HashMap<>();
        RESTART_FRIENDLY_GROUPS.forEach((property, value) ->
                env.put("KAFKA_" + property.toUpperCase(java.util.Locale.ROOT).replace('.', '_'), value));
        env.put("KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers());
        env.put("TOLLGATE_SCHEMA_REGISTRY_URL", stack.registryUrl());
        env.put("TOLLGATE_BUDGET_HTTP_PORT", String.valueOf(settings.budgetPort()));
        env.put("TOLLGATE_STATE_DIR", settings.dataDir().resolve("budget-state").toString());
        env.put("TOLLGATE_ZONE", policy.organisation().zone());
        env.put("TOLLGATE_QUOTA_WARNING_PERCENT", String.valueOf(policy.organisation().quotaWarningPercent()));
        return env;
    }

    private static Map<String, String> gatewayEnvironment(StackSettings settings, LocalStack stack) {
        Map<String, String> env = new HashMap<>();
        // per-model catalog overrides (TOLLGATE_MODEL_*) still apply, as they would to a separate gateway
        System.getenv().forEach((name, value) -> {
            if (name.startsWith("TOLLGATE_MODEL_") || name.equals("HOME")) {
                env.put(name, value);
            }
        });
        env.put("KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers());
        env.put("TOLLGATE_SCHEMA_REGISTRY_URL", stack.registryUrl());
        env.put("TOLLGATE_GATEWAY_HOST", settings.gatewayHost());
        env.put("TOLLGATE_GATEWAY_PORT", String.valueOf(settings.gatewayPort()));
        env.put("TOLLGATE_GATEWAY_ID", "local-gateway");
        env.put("TOLLGATE_SPOOL_DIR", settings.dataDir().resolve("gateway-spool").toString());
        return env;
    }

    private static void awaitReady(List<String> urls, Duration timeout, Consumer<String> progress)
            throws InterruptedException {
        ServiceHttp http = new ServiceHttp(Duration.ofSeconds(2));
        long deadline = System.nanoTime() + timeout.toNanos();
        for (String url : urls) {
            while (true) {
                try {
                    http.get(url, "");
                    break;
                } catch (ServiceHttp.ServiceException notYet) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("not ready within " + timeout + ": " + notYet.getMessage());
                    }
                    Thread.sleep(50); // polling a readiness endpoint: nothing to wait on but time
                }
            }
        }
        progress.accept("every service is ready");
    }

    private static void wipe(Path dataDir, List<String> children) {
        for (String child : children) {
            Path dir = dataDir.resolve(child);
            if (!Files.exists(dir)) {
                continue;
            }
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not wipe " + dir + " for --fresh", e);
            }
        }
    }

    public LocalStack infrastructure() {
        return infrastructure;
    }

    /** The policy as the services read it (the simulated provider's address substituted). */
    public TollgateConfig policy() {
        return policy;
    }

    /** What applying the policy file published at start. */
    public List<PolicyChange> applied() {
        return applied;
    }

    public String gatewayUrl() {
        return gatewayUrl;
    }

    public String meteringUrl() {
        return meteringUrl;
    }

    public String budgetUrl() {
        return budgetUrl;
    }

    /** Stops the gateway first (its spool drains to Kafka), then the streams, then the infrastructure. */
    @Override
    public void close() {
        infrastructure.close();
    }
}
