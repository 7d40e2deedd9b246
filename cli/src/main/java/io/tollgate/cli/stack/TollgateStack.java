package io.tollgate.cli.stack;

import io.tollgate.budget.BudgetAlertsApplication;
import io.tollgate.budget.config.ConfigLoader;
import io.tollgate.cli.ops.ConnectionOptions;
import io.tollgate.cli.ops.Credential;
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
import io.tollgate.policy.access.TokenFile;
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
 *
 * <p>Every listener binds the settings' bind address (127.0.0.1 unless told otherwise; the gateway's
 * admin listener always 127.0.0.1). The operator token (metering-stream, budget-alerts) and the admin
 * token (the gateway's admin listener) live in {@code <data dir>/operator-token} and
 * {@code <data dir>/admin-token} (owner-only; generated when missing, reused otherwise), where the CLI's
 * other commands find them.
 */
public final class TollgateStack implements AutoCloseable {

    /** Environment variable the example policy file uses for the simulated provider's address. */
    public static final String PROVIDER_URL_VARIABLE = "TOLLGATE_SIMULATED_PROVIDER_URL";

    /**
     * Kafka Streams does not leave its consumer group on close, so a restarted service waits for
     * the previous member's session to expire before it gets its partitions: 45 s with Kafka's
     * default, which would keep {@code up} on reused data from being ready for about a minute. One
     * local instance per service can afford a shorter session; the heartbeat stays at a third of it.
     */
    static final Map<String, String> RESTART_FRIENDLY_GROUPS = Map.of("session.timeout.ms", "10000",
            "heartbeat.interval.ms", "3000");

    private final LocalStack infrastructure;
    private final TollgateConfig policy;
    private final List<PolicyChange> applied;
    private final Urls urls;
    private final Tokens tokens;
    private final Apps apps;

    /** The three services, for tests that look inside (their registered routes). */
    private record Apps(GatewayApplication gateway, MeteringApplication metering, BudgetAlertsApplication budget) {
    }

    /** Where the services answer, for clients in this JVM. */
    private record Urls(String gateway, String admin, String metering, String budget) {
    }

    /** The tokens the services were given, and the files they are kept in. */
    private record Tokens(TokenFile.Resolved operator, TokenFile.Resolved admin) {
    }

    private TollgateStack(LocalStack infrastructure, TollgateConfig policy, List<PolicyChange> applied, Urls urls,
                          Tokens tokens, Apps apps) {
        this.infrastructure = infrastructure;
        this.policy = policy;
        this.applied = applied;
        this.urls = urls;
        this.tokens = tokens;
        this.apps = apps;
    }

    /**
     * Starts everything and returns when every service answers ready. A bad policy file fails before
     * anything starts; a failure later stops what was started.
     */
    public static TollgateStack start(StackSettings settings, Consumer<String> progress) throws InterruptedException {
        PolicyFileParser.parse(settings.config()); // a bad file fails here, before anything starts
        if (settings.infrastructure().fresh()) {
            wipe(settings.dataDir(), List.of("metering-state", "budget-state", "gateway-spool", TokenFile.OPERATOR,
                    TokenFile.ADMIN));
        }
        Tokens tokens = new Tokens(TokenFile.readOrCreate(settings.dataDir().resolve(TokenFile.OPERATOR)),
                TokenFile.readOrCreate(settings.dataDir().resolve(TokenFile.ADMIN)));
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
            // the stack's own broker is plaintext: the shell's KAFKA_* settings are for another one
            ConnectionOptions connection = new ConnectionOptions(stack.bootstrapServers(), stack.registryUrl(), Map.of());
            List<PolicyChange> applied = PolicyCommand.apply(policy, source, connection, Duration.ofSeconds(30), true,
                    false, progress);

            // the three services only meet through Kafka: start them side by side
            progress.accept("starting metering-stream, budget-alerts and the gateway");
            Map<String, String> meteringKafka = new HashMap<>(RESTART_FRIENDLY_GROUPS);
            meteringKafka.put("bootstrap.servers", stack.bootstrapServers());
            GatewayConfig gatewayConfig = new GatewayConfigLoader(gatewayEnvironment(settings, stack, tokens))
                    .load(policy, source);
            String host = settings.clientHost();
            MeteringApplication metering;
            BudgetAlertsApplication budget;
            GatewayApplication gateway;
            List<String> failures = new java.util.ArrayList<>();
            try (ExecutorService starters = Executors.newFixedThreadPool(3)) {
                Future<MeteringApplication> m = starters.submit(() -> new MeteringApplication(
                        MeteringConfigLoader.fromMaps(meteringKeys(settings, stack, policy, tokens), meteringKafka)).start());
                Future<BudgetAlertsApplication> b = starters.submit(() -> new BudgetAlertsApplication(
                        ConfigLoader.load(null, budgetEnvironment(settings, stack, policy, tokens))).start());
                // the gateway wires its own control plane (quota, command and policy views) and waits for it
                Future<GatewayApplication> g = starters.submit(() -> new GatewayApplication(gatewayConfig).start());
                // joined in this order and registered at once, so whatever started is stopped on a failure
                metering = joined(m, started -> {
                    String queries = "http://" + host + ":" + started.advertisedUrl().getPort();
                    stack.addService("Metering queries", queries, started);
                    // the dashboard is a page of the query server: listed for people (with the token, opened
                    // once, see metering-stream's README), nothing of its own to stop
                    stack.addService("Dashboard", queries + "/dashboard?token=" + tokens.operator().token().value(),
                            () -> { });
                }, failures);
                budget = joined(b, started -> stack.addService("Budget REST", "http://" + host + ":" + started.httpPort(),
                        started), failures);
                gateway = joined(g, started -> {
                    stack.addService("Gateway", "http://" + host + ":" + started.port() + "/v1", started);
                    // the admin listener closes with the gateway
                    stack.addService("Gateway admin", "http://127.0.0.1:" + started.adminPort(), () -> { });
                }, failures);
            }
            if (!failures.isEmpty()) {
                throw new IllegalStateException("could not start the stack: " + String.join("; ", failures));
            }
            Urls urls = new Urls("http://" + host + ":" + gateway.port(), "http://127.0.0.1:" + gateway.adminPort(),
                    "http://" + host + ":" + metering.advertisedUrl().getPort(), "http://" + host + ":" + budget.httpPort());
            ServiceHttp http = new ServiceHttp(Duration.ofSeconds(2));
            ServiceHttp operator = http.with(Credential.of(Credential.Kind.OPERATOR, tokens.operator().token(),
                    tokens.operator().file().toString()));
            ServiceHttp admin = http.with(Credential.of(Credential.Kind.ADMIN, tokens.admin().token(),
                    tokens.admin().file().toString()));
            awaitReady(List.of(new Probe(operator, urls.metering() + "/readyz"), new Probe(operator, urls.budget() + "/readyz"),
                    new Probe(admin, urls.admin() + "/health/ready")), Duration.ofSeconds(120), progress);
            return new TollgateStack(stack, policy, applied, urls, tokens, new Apps(gateway, metering, budget));
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

    private static Map<String, String> meteringKeys(StackSettings settings, LocalStack stack, TollgateConfig policy,
                                                    Tokens tokens) {
        Map<String, String> keys = new HashMap<>();
        keys.put("schema.registry.url", stack.registryUrl());
        keys.put("metering.http.host", settings.bindAddress());
        keys.put("metering.http.port", String.valueOf(settings.meteringPort()));
        keys.put(MeteringConfigLoader.OPERATOR_TOKEN, tokens.operator().token().value());
        keys.put("state.dir", settings.dataDir().resolve("metering-state").toString());
        keys.put("zone", policy.organisation().zone());
        keys.put("reset.hour", String.valueOf(policy.organisation().resetHour()));
        keys.put("metering.topic.partitions", String.valueOf(settings.infrastructure().partitions()));
        return keys;
    }

    private static Map<String, String> budgetEnvironment(StackSettings settings, LocalStack stack, TollgateConfig policy,
                                                         Tokens tokens) {
        Map<String, String> env = new HashMap<>();
        RESTART_FRIENDLY_GROUPS.forEach((property, value) ->
                env.put("KAFKA_" + property.toUpperCase(java.util.Locale.ROOT).replace('.', '_'), value));
        env.put("KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers());
        env.put("TOLLGATE_SCHEMA_REGISTRY_URL", stack.registryUrl());
        env.put("TOLLGATE_BUDGET_HTTP_HOST", settings.bindAddress());
        env.put("TOLLGATE_BUDGET_HTTP_PORT", String.valueOf(settings.budgetPort()));
        env.put("TOLLGATE_OPERATOR_TOKEN", tokens.operator().token().value());
        env.put("TOLLGATE_STATE_DIR", settings.dataDir().resolve("budget-state").toString());
        env.put("TOLLGATE_ZONE", policy.organisation().zone());
        env.put("TOLLGATE_RESET_HOUR", String.valueOf(policy.organisation().resetHour()));
        env.put("TOLLGATE_QUOTA_WARNING_PERCENT", String.valueOf(policy.organisation().quotaWarningPercent()));
        return env;
    }

    private static Map<String, String> gatewayEnvironment(StackSettings settings, LocalStack stack, Tokens tokens) {
        Map<String, String> env = new HashMap<>();
        // per-model catalog overrides (TOLLGATE_MODEL_*) still apply, as they would to a separate gateway
        System.getenv().forEach((name, value) -> {
            if (name.startsWith("TOLLGATE_MODEL_") || name.equals("HOME")) {
                env.put(name, value);
            }
        });
        env.put("KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers());
        env.put("TOLLGATE_SCHEMA_REGISTRY_URL", stack.registryUrl());
        env.put("TOLLGATE_GATEWAY_HOST", settings.bindAddress());
        env.put("TOLLGATE_GATEWAY_PORT", String.valueOf(settings.gatewayPort()));
        env.put("TOLLGATE_ADMIN_HOST", StackSettings.LOOPBACK);
        env.put("TOLLGATE_ADMIN_PORT", String.valueOf(settings.adminPort()));
        env.put("TOLLGATE_ADMIN_TOKEN", tokens.admin().token().value());
        env.put("TOLLGATE_GATEWAY_ID", "local-gateway");
        env.put("TOLLGATE_SPOOL_DIR", settings.dataDir().resolve("gateway-spool").toString());
        return env;
    }

    /** A readiness endpoint and the client (with its token) that asks it. */
    private record Probe(ServiceHttp http, String url) {
    }

    private static void awaitReady(List<Probe> probes, Duration timeout, Consumer<String> progress)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Probe probe : probes) {
            while (true) {
                try {
                    probe.http().get(probe.url(), "");
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

    /** The agents' listener, {@code http://<host>:<port>} (agents call {@code /v1/...} there). */
    public String gatewayUrl() {
        return urls.gateway();
    }

    /** The gateway's admin listener (admin token). */
    public String adminUrl() {
        return urls.admin();
    }

    /** metering-stream's query API and dashboard (operator token). */
    public String meteringUrl() {
        return urls.metering();
    }

    /** budget-alerts' REST API (operator token). */
    public String budgetUrl() {
        return urls.budget();
    }

    /** The operator token of metering-stream and budget-alerts, with the file it is kept in as its source. */
    public Credential operatorToken() {
        return Credential.of(Credential.Kind.OPERATOR, tokens.operator().token(), tokens.operator().file().toString());
    }

    /** The gateway's admin token, with the file it is kept in as its source. */
    public Credential adminToken() {
        return Credential.of(Credential.Kind.ADMIN, tokens.admin().token(), tokens.admin().file().toString());
    }

    public GatewayApplication gateway() {
        return apps.gateway();
    }

    public MeteringApplication metering() {
        return apps.metering();
    }

    public BudgetAlertsApplication budget() {
        return apps.budget();
    }

    /** The files holding the operator and the admin token (owner-only). */
    public List<Path> tokenFiles() {
        return List.of(tokens.operator().file(), tokens.admin().file());
    }

    /** Stops the gateway first (its spool drains to Kafka), then the streams, then the infrastructure. */
    @Override
    public void close() {
        infrastructure.close();
    }
}
