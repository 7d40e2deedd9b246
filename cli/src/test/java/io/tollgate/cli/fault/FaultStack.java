package io.tollgate.cli.fault;

import io.tollgate.cli.ops.ConnectionOptions;
import io.tollgate.cli.policy.PolicyCommand;
import io.tollgate.localstack.Ports;
import io.tollgate.localstack.process.BrokerProcess;
import io.tollgate.localstack.process.JavaProcess;
import io.tollgate.localstack.provider.SimulatedProvider;
import io.tollgate.localstack.registry.RegistryServer;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.policy.PolicyFileParser;
import io.tollgate.schemas.policy.TollgateConfig;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Tollgate as in production, one process per service, for fault tests and the chaos benchmark: the broker
 * ({@link BrokerProcess}: {@code EmbeddedKafka}'s main on a data directory of its own), every metering-stream
 * instance, budget-alerts and every gateway as separate JVMs ({@code MeteringApplication},
 * {@code BudgetAlertsApplication}, {@code GatewayApplication} mains, configured through the environment variables
 * docker-compose.yml sets), and in this JVM the schema registry over HTTP and the simulated provider (whose exact
 * counters are the truth a test compares with). The policy file is applied to the policy topic before the services
 * start, as {@code tollgate policy apply} would. Every port, application id, group, state and data directory is the
 * stack's own, so stacks never collide. Each process's output goes to {@code <dir>/<name>.log}.
 */
public final class FaultStack implements AutoCloseable {

    private final Settings settings;
    private final String run;
    private final String operatorToken = token();
    private final String adminToken = token();
    private final BrokerProcess broker;
    private final RegistryServer registry;
    private final SimulatedProvider provider;
    private final Path policyFile;
    private final List<ServiceProcess> metering = new ArrayList<>();
    private final List<ServiceProcess> gateways = new ArrayList<>();
    private final ServiceProcess budget;
    private final Map<String, String> agentUrls = new LinkedHashMap<>();

    /**
     * What to start.
     *
     * @param dir            everything the stack writes (broker data, state, spools, logs)
     * @param teams          one team (key, model, budget) per fault: {@link FaultPolicy}
     * @param meteringCount  metering-stream instances (one application id)
     * @param gatewayCount   gateways (one fleet group)
     * @param partitions     partitions of each Tollgate topic
     * @param settleAfter    {@code metering.settle.after}: when a REQUEST without RESPONSE is ABANDONED
     * @param sessionTimeout consumer group session of the Streams applications: how soon a killed instance's tasks
     *                       move (Kafka's default 45 s; tests shorten it)
     * @param webhookUrl     budget-alerts' {@code TOLLGATE_WEBHOOK_URL}; null: none
     * @param jvmOptions     options of each service's JVM
     */
    public record Settings(Path dir, List<String> teams, int meteringCount, int gatewayCount, int partitions,
                           Duration settleAfter, Duration sessionTimeout, String webhookUrl, List<String> jvmOptions) {

        /** For tests: one of each, 2 partitions, settle after 1 min (the least allowed), a 10 s session. */
        public static Settings forTests(Path dir, List<String> teams) {
            return new Settings(dir, teams, 1, 1, 2, Duration.ofMinutes(1), Duration.ofSeconds(10), null,
                    List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        }

        public Settings withMetering(int count) {
            return new Settings(dir, teams, count, gatewayCount, partitions, settleAfter, sessionTimeout, webhookUrl,
                    jvmOptions);
        }

        public Settings withGateways(int count) {
            return new Settings(dir, teams, meteringCount, count, partitions, settleAfter, sessionTimeout, webhookUrl,
                    jvmOptions);
        }

        public Settings withWebhook(String url) {
            return new Settings(dir, teams, meteringCount, gatewayCount, partitions, settleAfter, sessionTimeout, url,
                    jvmOptions);
        }

        public Settings withSessionTimeout(Duration timeout) {
            return new Settings(dir, teams, meteringCount, gatewayCount, partitions, settleAfter, timeout, webhookUrl,
                    jvmOptions);
        }

        public Settings withJvmOptions(List<String> options) {
            return new Settings(dir, teams, meteringCount, gatewayCount, partitions, settleAfter, sessionTimeout,
                    webhookUrl, options);
        }
    }

    private FaultStack(Settings settings) {
        this.settings = settings;
        this.run = Long.toHexString(System.nanoTime());
        this.policyFile = new FaultPolicy(settings.teams()).write(settings.dir().resolve("tollgate.yaml"));
        this.registry = RegistryServer.start("fault-" + run, 0);
        this.provider = SimulatedProvider.builder().port(0).seed(42).start();
        BrokerProcess started = null;
        try {
            started = BrokerProcess.start(settings.dir().resolve("kafka"), settings.dir().resolve("kafka.log"),
                    settings.partitions());
        } finally {
            if (started == null) {
                provider.close();
                registry.close();
            }
        }
        this.broker = started;
        applyPolicy();
        for (int i = 1; i <= settings.meteringCount(); i++) {
            metering.add(meteringProcess(i));
        }
        this.budget = budgetProcess();
        for (int i = 1; i <= settings.gatewayCount(); i++) {
            gateways.add(gatewayProcess(i));
        }
    }

    /** Starts everything and returns once every service answers its readiness probe. */
    public static FaultStack start(Settings settings) {
        FaultStack stack = new FaultStack(settings);
        try {
            List<ServiceProcess> all = new ArrayList<>(stack.metering);
            all.add(stack.budget);
            all.addAll(stack.gateways);
            try (ExecutorService starters = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<ServiceProcess>> started = all.stream().map(s -> starters.submit(s::start)).toList();
                for (Future<ServiceProcess> s : started) {
                    s.get();
                }
            }
            return stack;
        } catch (Exception e) {
            stack.close();
            throw new IllegalStateException("the fault stack did not start: " + e.getMessage(), e);
        }
    }

    private void applyPolicy() {
        TollgateConfig policy = PolicyFileParser.parse(policyFile, name -> "TOLLGATE_SIMULATED_PROVIDER_URL".equals(name)
                ? provider.baseUrl() : System.getenv(name));
        PolicyCommand.apply(policy, policyFile.getFileName().toString(), connection(), Duration.ofSeconds(60), true,
                false, progress -> { });
    }

    private ServiceProcess meteringProcess(int instance) {
        int port = Ports.free();
        String name = "metering-" + instance;
        Map<String, String> env = kafkaEnv();
        env.put("TOLLGATE_SCHEMA_REGISTRY_URL", registry.url());
        env.put("TOLLGATE_OPERATOR_TOKEN", operatorToken);
        env.put("TOLLGATE_APPLICATION_ID", meteringApplicationId());
        env.put("TOLLGATE_METERING_HTTP_HOST", "127.0.0.1");
        env.put("TOLLGATE_METERING_HTTP_PORT", Integer.toString(port));
        env.put("TOLLGATE_METERING_ADVERTISED_URL", "http://127.0.0.1:" + port);
        env.put("TOLLGATE_STATE_DIR", settings.dir().resolve(name + "-state").toString());
        env.put("TOLLGATE_ZONE", "UTC");
        env.put("TOLLGATE_RESET_HOUR", "0");
        env.put("TOLLGATE_METERING_SETTLE_AFTER", settings.settleAfter().toSeconds() + "s");
        env.put("TOLLGATE_METERING_TOPIC_PARTITIONS", Integer.toString(settings.partitions()));
        return service(name, "io.tollgate.metering.MeteringApplication", env, "http://127.0.0.1:" + port, operatorToken,
                "/readyz", "/healthz");
    }

    private ServiceProcess budgetProcess() {
        int port = Ports.free();
        Map<String, String> env = kafkaEnv();
        env.put("TOLLGATE_SCHEMA_REGISTRY_URL", registry.url());
        env.put("TOLLGATE_OPERATOR_TOKEN", operatorToken);
        env.put("TOLLGATE_BUDGET_APPLICATION_ID", budgetApplicationId());
        env.put("TOLLGATE_BUDGET_HTTP_HOST", "127.0.0.1");
        env.put("TOLLGATE_BUDGET_HTTP_PORT", Integer.toString(port));
        env.put("TOLLGATE_STATE_DIR", settings.dir().resolve("budget-state").toString());
        env.put("TOLLGATE_ZONE", "UTC");
        if (settings.webhookUrl() != null) {
            env.put("TOLLGATE_WEBHOOK_URL", settings.webhookUrl());
        }
        return service("budget-alerts", "io.tollgate.budget.BudgetAlertsApplication", env, "http://127.0.0.1:" + port,
                operatorToken, "/readyz", "/healthz");
    }

    private ServiceProcess gatewayProcess(int instance) {
        int port = Ports.free();
        int adminPort = Ports.free();
        String name = "gateway-" + instance;
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        env.put("TOLLGATE_SCHEMA_REGISTRY_URL", registry.url());
        env.put("TOLLGATE_CONFIG", policyFile.toString());
        env.put("TOLLGATE_SIMULATED_PROVIDER_URL", provider.baseUrl());
        env.put("TOLLGATE_GATEWAY_HOST", "127.0.0.1");
        env.put("TOLLGATE_GATEWAY_PORT", Integer.toString(port));
        env.put("TOLLGATE_ADMIN_HOST", "127.0.0.1");
        env.put("TOLLGATE_ADMIN_PORT", Integer.toString(adminPort));
        env.put("TOLLGATE_ADMIN_TOKEN", adminToken);
        env.put("TOLLGATE_GATEWAY_ID", name + "-" + run);
        env.put("TOLLGATE_GATEWAY_GROUP", "fault-gateways-" + run);
        env.put("TOLLGATE_SPOOL_DIR", settings.dir().resolve(name + "-spool").toString());
        env.put("TOLLGATE_WORKING_DIR", settings.dir().toString());
        ServiceProcess gateway = service(name, "io.tollgate.gateway.GatewayApplication", env,
                "http://127.0.0.1:" + adminPort, adminToken, "/health/ready", "/health/live");
        agentUrls.put(name, "http://127.0.0.1:" + port);
        return gateway;
    }

    /** The Streams applications' Kafka settings, as KAFKA_* variables. */
    private Map<String, String> kafkaEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        env.put("KAFKA_SESSION_TIMEOUT_MS", Long.toString(settings.sessionTimeout().toMillis()));
        env.put("KAFKA_HEARTBEAT_INTERVAL_MS", Long.toString(Math.max(1000, settings.sessionTimeout().toMillis() / 3)));
        return env;
    }

    private ServiceProcess service(String name, String mainClass, Map<String, String> env, String baseUrl, String token,
                                   String readyPath, String livePath) {
        JavaProcess process = JavaProcess.builder(name, mainClass).env(env).jvmOptions(settings.jvmOptions())
                .logFile(settings.dir().resolve(name + ".log")).build();
        return new ServiceProcess(process, baseUrl, token, readyPath, livePath);
    }

    private static String token() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return "fault-" + HexFormat.of().formatHex(bytes);
    }

    /** metering-stream's Streams application id: how its dead letters name it. */
    public String meteringApplicationId() {
        return "fault-metering-" + run;
    }

    /** budget-alerts' Streams application id: how its dead letters name it (its webhook: {@code <id>-webhook}). */
    public String budgetApplicationId() {
        return "fault-budget-" + run;
    }

    /** The policy records the policy file applied, by key, as the topic holds them. */
    public Map<String, io.tollgate.schemas.avro.Policy> policies() {
        TollgateConfig policy = PolicyFileParser.parse(policyFile, name -> "TOLLGATE_SIMULATED_PROVIDER_URL".equals(name)
                ? provider.baseUrl() : System.getenv(name));
        return io.tollgate.policy.records.PolicyRecords.toPolicies(policy, policyFile.getFileName().toString());
    }

    /** The schema registry's HTTP address, as the services and the CLI use it. */
    public String registryUrl() {
        return registry.url();
    }

    /** Kafka and registry settings for this JVM's clients (the registry in process: same schemas, no HTTP). */
    public ConnectionOptions connection() {
        return new ConnectionOptions(broker.bootstrapServers(), registry.inProcessUrl(), Map.of());
    }

    /** Serdes on this stack's registry. */
    public Topics topics() {
        return Topics.forRegistry(registry.inProcessUrl());
    }

    public BrokerProcess broker() {
        return broker;
    }

    public SimulatedProvider provider() {
        return provider;
    }

    public List<ServiceProcess> metering() {
        return List.copyOf(metering);
    }

    public ServiceProcess budget() {
        return budget;
    }

    public List<ServiceProcess> gateways() {
        return List.copyOf(gateways);
    }

    /** The agents' listener of a gateway, {@code http://127.0.0.1:<port>}. */
    public String agentUrl(ServiceProcess gateway) {
        return agentUrls.get(gateway.name());
    }

    public Settings settings() {
        return settings;
    }

    /** Every service process, for health checks and failure messages. */
    public List<ServiceProcess> services() {
        List<ServiceProcess> all = new ArrayList<>(metering);
        all.add(budget);
        all.addAll(gateways);
        return all;
    }

    /** The last lines of every process's output, for a failed assertion's message. */
    public String tails() {
        StringBuilder text = new StringBuilder();
        List<JavaProcess> processes = new ArrayList<>(services().stream().map(ServiceProcess::process).toList());
        processes.addFirst(broker.process());
        for (JavaProcess p : processes) {
            text.append("\n==== ").append(p.name()).append(" (").append(p.logFile()).append(")\n").append(p.tailText());
        }
        return text.toString();
    }

    /** Maps each service to what {@code check} says of it, e.g. its health. */
    public <T> Map<String, T> each(Function<ServiceProcess, T> check) {
        Map<String, T> answers = new LinkedHashMap<>();
        services().forEach(s -> answers.put(s.name(), check.apply(s)));
        return answers;
    }

    /** Stops the gateways, the streams, then the broker (gracefully), the provider and the registry. */
    @Override
    public void close() {
        gateways.forEach(ServiceProcess::stop);
        if (budget != null) {
            budget.stop();
        }
        metering.forEach(ServiceProcess::stop);
        if (broker != null) {
            broker.stop();
        }
        if (provider != null) {
            provider.close();
        }
        if (registry != null) {
            registry.close();
        }
    }
}
