package io.tollgate.cli;

import io.tollgate.cli.fleet.AgentIdentity;
import io.tollgate.cli.fleet.Fleet;
import io.tollgate.cli.fleet.FleetStats;
import io.tollgate.cli.fleet.Prices;
import io.tollgate.cli.ops.Money;
import io.tollgate.cli.stack.RateLimitBursts;
import io.tollgate.cli.stack.StackSettings;
import io.tollgate.cli.stack.TollgateStack;
import io.tollgate.cli.view.LiveView;
import io.tollgate.cli.view.ViewCollector;
import io.tollgate.localstack.LocalStack;
import io.tollgate.localstack.LocalStackOptions;
import io.tollgate.localstack.provider.ServedCounters;
import io.tollgate.schemas.policy.TollgateConfig;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tollgate up}: the whole of Tollgate in this JVM, a simulated fleet and a live view, until Ctrl-C. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Start Tollgate locally in this JVM: a real Kafka broker, a schema registry, a simulated model"
                + " provider, metering-stream, budget-alerts and the gateway; apply the policy file; then drive a"
                + " simulated fleet of agents through the gateway and show live usage, budgets, alerts and commands."
                + " Ctrl-C stops everything cleanly and prints a summary.",
                "Examples:",
                "  tollgate up                  20 agents on the ten demo keys, 10 calls/s",
                "  tollgate up --fresh          the same, starting from empty topics",
                "  tollgate up --agents 50 --rate 40 --error-rate 0.02 --latency-ms 200",
                "  tollgate up --no-fleet       only the stack: gateway on :8080 for your agents",
                "  tollgate up --no-fleet --bind-address 0.0.0.0   the same, reachable from other machines",
                "Every listener binds 127.0.0.1 unless --bind-address says otherwise (the gateway's admin listener always"
                        + " does). The operator and admin tokens are kept in <data dir>/operator-token and"
                        + " <data dir>/admin-token (generated on the first run); the banner names both files and prints"
                        + " the dashboard's address with the operator token."})
final class UpCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "Policy file (default: ${DEFAULT-VALUE}).")
    Path config = Path.of("tollgate.yaml");

    @Option(names = "--fresh", description = "Wipe the data directory first (default: reuse it).")
    boolean fresh;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Kafka data, registry snapshot, service state (default: ${DEFAULT-VALUE}).")
    Path dataDir = LocalStackOptions.defaults().dataDir();

    @Option(names = "--kafka-port", paramLabel = "PORT", description = "Broker port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int kafkaPort = LocalStackOptions.DEFAULT_KAFKA_PORT;

    @Option(names = "--registry-port", paramLabel = "PORT", description = "Schema registry port (default: ${DEFAULT-VALUE}).")
    int registryPort = LocalStackOptions.DEFAULT_REGISTRY_PORT;

    @Option(names = "--provider-port", paramLabel = "PORT", description = "Simulated provider port (default: ${DEFAULT-VALUE}).")
    int providerPort = LocalStackOptions.DEFAULT_PROVIDER_PORT;

    @Option(names = {"--bind-address", "--host"}, paramLabel = "ADDRESS",
            description = "Listen address of the gateway, metering-stream and budget-alerts (default: ${DEFAULT-VALUE};"
                    + " 0.0.0.0 for every interface).")
    String bindAddress = StackSettings.LOOPBACK;

    @Option(names = "--gateway-port", paramLabel = "PORT", description = "Gateway port (default: ${DEFAULT-VALUE}).")
    int gatewayPort = 8080;

    @Option(names = "--admin-port", paramLabel = "PORT",
            description = "The gateway's admin listener on 127.0.0.1: /admin, /metrics, /health (default: ${DEFAULT-VALUE}).")
    int adminPort = 8090;

    @Option(names = "--metering-port", paramLabel = "PORT", description = "metering-stream query API port (default: ${DEFAULT-VALUE}).")
    int meteringPort = 8082;

    @Option(names = "--budget-port", paramLabel = "PORT", description = "budget-alerts REST port (default: ${DEFAULT-VALUE}).")
    int budgetPort = 8083;

    @Option(names = "--partitions", paramLabel = "N", description = "Partitions of each Tollgate topic (default: ${DEFAULT-VALUE}).")
    int partitions = 3;

    @Option(names = "--no-fleet", description = "No simulated agents and no live view: serve the gateway for real agents.")
    boolean noFleet;

    @Option(names = "--agents", paramLabel = "N", description = "Simulated agents (default: ${DEFAULT-VALUE}).")
    int agents = 20;

    @Option(names = "--rate", paramLabel = "PER_SECOND", description = "Calls per second of the whole fleet, on average (default: ${DEFAULT-VALUE}).")
    double rate = 10;

    @Option(names = "--stream-share", paramLabel = "0..1", description = "Share of streaming calls (default: ${DEFAULT-VALUE}).")
    double streamShare = 0.3;

    @Option(names = "--complex-share", paramLabel = "0..1", description = "Share of complex prompts (default: ${DEFAULT-VALUE}).")
    double complexShare = 0.4;

    @Option(names = "--latency-ms", paramLabel = "MS", description = "Simulated provider latency per call (default: ${DEFAULT-VALUE}).")
    long latencyMs = 50;

    @Option(names = "--chunk-delay-ms", paramLabel = "MS", description = "Simulated delay between stream chunks (default: ${DEFAULT-VALUE}).")
    long chunkDelayMs = 2;

    @Option(names = "--error-rate", paramLabel = "0..1", description = "Share of calls the provider answers 500 (default: ${DEFAULT-VALUE}).")
    double errorRate = 0.01;

    @Option(names = "--burst-429", paramLabel = "N", description = "Answer N calls with 429 every --burst-every seconds (default: ${DEFAULT-VALUE}; 0 = never).")
    int burstSize = 5;

    @Option(names = "--burst-every", paramLabel = "SECONDS", description = "Seconds between 429 bursts (default: ${DEFAULT-VALUE}).")
    int burstEverySeconds = 20;

    @Option(names = "--refresh-ms", paramLabel = "MS", description = "Live view refresh on a terminal (default: ${DEFAULT-VALUE}; 5x slower when not a terminal).")
    long refreshMs = 2000;

    @Override
    public Integer call() throws Exception {
        LocalStack.quietLogging();
        PrintStream out = System.out;
        Fleet.Settings fleetSettings = noFleet ? null
                : new Fleet.Settings(agents, rate, streamShare, complexShare, 256, 42);
        StackSettings settings = new StackSettings(config, LocalStackOptions.defaults()
                .withDataDir(dataDir).withFresh(fresh).withKafkaPort(kafkaPort).withRegistryPort(registryPort)
                .withProviderPort(providerPort).withPartitions(partitions),
                bindAddress, gatewayPort, adminPort, meteringPort, budgetPort, Duration.ofMillis(latencyMs),
                Duration.ofMillis(chunkDelayMs), errorRate);
        TollgateStack stack = TollgateStack.start(settings, step -> out.println("tollgate: " + step));
        Duration ready = Duration.ofMillis(System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime());
        RateLimitBursts bursts = new RateLimitBursts(stack.infrastructure().provider(), burstSize,
                Duration.ofSeconds(Math.max(1, burstEverySeconds)));
        Fleet fleet = fleetSettings == null ? null : new Fleet(stack.gatewayUrl(),
                AgentIdentity.demoAgents(stack.policy()), new Prices(stack.policy()), fleetSettings);
        out.println(stack.infrastructure().banner(ready));
        out.println("  Operator token: " + stack.tokenFiles().get(0).toAbsolutePath()
                + "  (metering-stream, budget-alerts; 'tollgate usage' reads it from there)");
        out.println("  Admin token:    " + stack.tokenFiles().get(1).toAbsolutePath()
                + "  (the gateway's admin listener: /admin, /metrics, /health)");
        out.println("  Policy: " + stack.applied().size() + " record(s) published from " + config
                + (fleet == null ? "" : "\n  Fleet: " + fleet.describe()));
        out.println("  Ready " + ready.toMillis() + " ms after the JVM started.");
        LiveView view = null;
        if (fleet != null) {
            fleet.start();
            view = new LiveView(new ViewCollector(stack.meteringUrl(), stack.budgetUrl(), stack.operatorToken(),
                    teams(stack.policy()),
                    stack.policy().models().stream().map(TollgateConfig.Model::id).toList(), fleet.stats(),
                    System.currentTimeMillis()), out, System.console() != null)
                    .start(Duration.ofMillis(refreshMs), Duration.ofMillis(refreshMs * 5));
        }
        CountDownLatch stopped = new CountDownLatch(1);
        LiveView liveView = view;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("\nStopping Tollgate...");
            if (liveView != null) {
                liveView.close();
            }
            bursts.close();
            if (fleet != null) {
                fleet.close();
                out.println(summary(fleet.stats(), stack.infrastructure().provider().counters().total()));
            }
            stack.close();
            out.println("Stopped. Data kept in " + settings.dataDir().toAbsolutePath() + " (--fresh wipes it).");
            stopped.countDown();
        }, "tollgate-shutdown"));
        stack.infrastructure().awaitClose();
        stopped.await();
        return 0;
    }

    private static Map<String, String> teams(TollgateConfig policy) {
        Map<String, String> teamOfKey = new LinkedHashMap<>();
        policy.keys().forEach(k -> teamOfKey.put(k.id(), k.team()));
        return teamOfKey;
    }

    static String summary(FleetStats stats, ServedCounters.Served provider) {
        StringBuilder s = new StringBuilder("\nSummary\n");
        s.append(String.format("  %-12s %-12s %8s %10s %12s %9s %14s%n", "TEAM", "MODEL", "CALLS", "PROMPT", "COMPLETION",
                "FALLBACK", "SPEND"));
        stats.served().forEach((teamModel, t) -> {
            String[] parts = teamModel.split("\\|", 2);
            s.append(String.format("  %-12s %-12s %,8d %,10d %,12d %,9d %14s%n", parts[0], parts[1], t.calls(),
                    t.promptTokens(), t.completionTokens(), t.fallbacks(), Money.usd(t.costMicros())));
        });
        s.append(String.format("  sent %,d calls; answered %,d; refused %s; errors %s; spend %s%n", stats.sentCalls(),
                stats.totalCalls(), stats.refusals(), stats.errors(), Money.usd(stats.totalCostMicros())));
        s.append(String.format("  the simulated provider served %,d requests (%,d failed), %,d prompt + %,d completion tokens%n",
                provider.requests(), provider.failed(), provider.promptTokens(), provider.completionTokens()));
        return s.toString();
    }
}
