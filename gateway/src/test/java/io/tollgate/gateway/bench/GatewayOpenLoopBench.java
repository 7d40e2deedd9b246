package io.tollgate.gateway.bench;

import io.tollgate.gateway.GatewayApplication;
import io.tollgate.gateway.config.GatewayConfig;
import io.tollgate.gateway.config.GatewayConfigLoader;
import io.tollgate.localstack.EmbeddedKafka;
import io.tollgate.localstack.provider.SimulatedProvider;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.policy.PolicyFileParser;
import io.tollgate.schemas.policy.TollgateConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Load generator (not a test): gateway overhead in an <em>open loop</em>. N clients share a fixed
 * total rate well below saturation; each client has its own schedule (interval N/rate, clients
 * staggered by 1/rate) and every latency is measured from the request's <em>intended</em> send
 * time, so a slow answer that delays the next send is counted in that next request too (no
 * coordinated omission). The closed-loop {@link GatewayLoadBench} saturates the two cores at 64
 * clients, so its "overhead" there is CPU queueing; this one measures the per-request cost.
 *
 * <p>The stack (embedded broker, simulated provider with zero delay, gateway without control
 * plane, as in {@link GatewayLoadBench}) runs in this JVM; the load generator runs in a
 * <em>separate JVM</em> spawned with the same classpath ({@link Generator}), so it does not share
 * this JVM's heap, GC or safepoints (it still shares the machine's cores). First a JIT warm-up
 * (2 x 5 s to each target at 64 clients, 1000 req/s, discarded). Direct and gateway phases then
 * alternate within one run: per (clients, rate) a discarded warm-up phase to each, then
 * {@code rounds} x (direct phase, gateway phase), histograms summed per target.
 *
 * <p>Args: {@code [seconds per phase (3)] [rounds (3)] [client counts (1,64,256)]
 * [total rates req/s (200,500,1000)] [generator JVM options, space separated ("-Xmx256m")]}.
 */
public final class GatewayOpenLoopBench {

    static final String BODY = "{\"model\":\"sim-small\",\"max_tokens\":16,\"messages\":["
            + "{\"role\":\"system\",\"content\":\"You are terse.\"},"
            + "{\"role\":\"user\",\"content\":\"Name three prime numbers below twenty.\"}]}";

    private GatewayOpenLoopBench() {
    }

    public static void main(String[] args) throws Exception {
        String seconds = args.length > 0 ? args[0] : "3";
        String rounds = args.length > 1 ? args[1] : "3";
        String clients = args.length > 2 ? args[2] : "1,64,256";
        String rates = args.length > 3 ? args[3] : "200,500,1000";
        String jvmOptions = args.length > 4 ? args[4] : "-Xmx256m";
        Path dir = Files.createTempDirectory("tollgate-bench");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().start();
             SimulatedProvider provider = SimulatedProvider.start()) {
            kafka.createTopics(Topics.specs(), 1);
            Map<String, String> env = new HashMap<>();
            env.put("TOLLGATE_SIMULATED_PROVIDER_URL", provider.baseUrl());
            env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
            env.put("TOLLGATE_SCHEMA_REGISTRY_URL", "mock://bench");
            env.put("TOLLGATE_GATEWAY_PORT", "0");
            env.put("TOLLGATE_GATEWAY_HOST", "127.0.0.1");
            env.put("TOLLGATE_SPOOL_DIR", dir.resolve("spool").toString());
            env.put("TOLLGATE_WORKING_DIR", dir.toString());
            env.put("HOME", dir.toString());
            env.put("TOLLGATE_POLICY_TOPIC", "false");
            TollgateConfig policy = PolicyFileParser.parse(Path.of("tollgate.yaml"), env::get);
            GatewayConfig config = new GatewayConfigLoader(env).load(policy, "tollgate.yaml");
            try (GatewayApplication gateway = GatewayApplication.builder(config).withoutControl().build().start()) {
                String direct = provider.baseUrl() + "/chat/completions";
                String through = "http://127.0.0.1:" + gateway.port() + "/v1/chat/completions";
                System.out.printf("machine: %d cores, JDK %s; stack in this JVM (pid %d), generator in a"
                                + " separate JVM (%s); %s s per phase, %s rounds; usage events: spool + Kafka%n",
                        Runtime.getRuntime().availableProcessors(), Runtime.version(),
                        ProcessHandle.current().pid(), jvmOptions, seconds, rounds);
                List<String> command = new ArrayList<>();
                command.add(ProcessHandle.current().info().command()
                        .orElseThrow(() -> new IllegalStateException("cannot find this JVM's java executable")));
                command.addAll(List.of(jvmOptions.trim().split("\\s+")));
                command.addAll(List.of("-cp", System.getProperty("java.class.path"), Generator.class.getName(),
                        direct, through, seconds, rounds, clients, rates));
                Process generator = new ProcessBuilder(command).inheritIO().start();
                int exit = generator.waitFor();
                System.out.println("spooled events not yet acknowledged at the end: " + gateway.events().pendingEvents());
                if (exit != 0) {
                    throw new IllegalStateException("generator JVM exited with " + exit + ", expected 0");
                }
            }
        }
    }

    /**
     * The open-loop generator, run in its own JVM by {@link GatewayOpenLoopBench#main}.
     * Args: direct URL, gateway URL, seconds per phase, rounds, client counts, total rates.
     */
    public static final class Generator {

        private Generator() {
        }

        public static void main(String[] args) throws Exception {
            if (args.length != 6) {
                throw new IllegalArgumentException("expected 6 args (direct URL, gateway URL, seconds, rounds,"
                        + " clients, rates), got " + args.length);
            }
            URI direct = URI.create(args[0]);
            URI through = URI.create(args[1]);
            int seconds = Integer.parseInt(args[2]);
            int rounds = Integer.parseInt(args[3]);
            List<Integer> clientCounts = List.of(args[4].split(",")).stream().map(Integer::parseInt).toList();
            List<Integer> rates = List.of(args[5].split(",")).stream().map(Integer::parseInt).toList();
            System.out.printf("generator: pid %d, JDK %s%n", ProcessHandle.current().pid(), Runtime.version());
            // JIT warm-up of both servers and this generator before any setting is measured, so the
            // first setting is not measured half-interpreted: 5 s to each target at 64 clients, 1000 req/s
            try (HttpClient warm = newClient()) {
                for (int i = 0; i < 2; i++) {
                    phase(warm, request(direct, "sim-key-1"), 64, 1000, 5);
                    phase(warm, request(through, "tg-demo-support"), 64, 1000, 5);
                }
            }
            System.out.println("clients | rate req/s | direct p50 ms | direct p99 ms | gateway p50 ms | gateway p99 ms |"
                    + " overhead p50 ms | overhead p99 ms | sent direct/gateway | errors");
            for (int c : clientCounts) {
                for (int rate : rates) {
                    // one client per target per setting: connections are pooled across the phases
                    try (HttpClient directHttp = newClient(); HttpClient gatewayHttp = newClient()) {
                        HttpRequest d = request(direct, "sim-key-1");
                        HttpRequest g = request(through, "tg-demo-support");
                        phase(directHttp, d, c, rate, Math.max(1, seconds)); // warm-up, discarded
                        phase(gatewayHttp, g, c, rate, Math.max(1, seconds));
                        Phase dSum = Phase.empty();
                        Phase gSum = Phase.empty();
                        for (int r = 0; r < rounds; r++) {
                            dSum = dSum.plus(phase(directHttp, d, c, rate, seconds));
                            gSum = gSum.plus(phase(gatewayHttp, g, c, rate, seconds));
                        }
                        double dp50 = ms(dSum.latency(), 50);
                        double dp99 = ms(dSum.latency(), 99);
                        double gp50 = ms(gSum.latency(), 50);
                        double gp99 = ms(gSum.latency(), 99);
                        System.out.printf("%7d | %10d | %13.3f | %13.3f | %14.3f | %14.3f | %15.3f | %15.3f | %9d/%-9d | %d%n",
                                c, rate, dp50, dp99, gp50, gp99, gp50 - dp50, gp99 - dp99,
                                dSum.latency().getTotalCount(), gSum.latency().getTotalCount(),
                                dSum.errors() + gSum.errors());
                        if (dSum.errors() + gSum.errors() > 0) {
                            System.out.println("        errors direct " + dSum.kinds() + ", gateway " + gSum.kinds());
                        }
                    }
                }
            }
        }

        private static double ms(Histogram h, double percentile) {
            return h.getValueAtPercentile(percentile) / 1000.0;
        }

        private static HttpClient newClient() {
            return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        }

        private static HttpRequest request(URI uri, String key) {
            return HttpRequest.newBuilder(uri)
                    .header("Authorization", "Bearer " + key)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(BODY))
                    .build();
        }

        /**
         * One phase: {@code clients} virtual threads, client i sends at start + i/rate + k*clients/rate,
         * at most one request outstanding per client; latency from the intended send time.
         */
        private static Phase phase(HttpClient http, HttpRequest request, int clients, int rate, int seconds)
                throws InterruptedException {
            long intervalNanos = TimeUnit.SECONDS.toNanos(clients) / rate;
            long staggerNanos = TimeUnit.SECONDS.toNanos(1) / rate;
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
            long end = start + TimeUnit.SECONDS.toNanos(seconds);
            Recorder recorder = new Recorder(3);
            AtomicLong errors = new AtomicLong();
            Map<String, Long> kinds = new java.util.concurrent.ConcurrentHashMap<>();
            CountDownLatch finished = new CountDownLatch(clients);
            for (int i = 0; i < clients; i++) {
                long first = start + i * staggerNanos;
                Thread.ofVirtual().start(() -> {
                    try {
                        for (long intended = first; intended < end; intended += intervalNanos) {
                            long wait;
                            while ((wait = intended - System.nanoTime()) > 0) {
                                LockSupport.parkNanos(wait);
                            }
                            try {
                                HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                                if (r.statusCode() != 200) {
                                    errors.incrementAndGet();
                                    kinds.merge("HTTP " + r.statusCode(), 1L, Long::sum);
                                }
                            } catch (Exception e) {
                                errors.incrementAndGet();
                                kinds.merge(e.getClass().getSimpleName(), 1L, Long::sum);
                            }
                            recorder.recordValue((System.nanoTime() - intended) / 1_000);
                        }
                    } finally {
                        finished.countDown();
                    }
                });
            }
            finished.await();
            return new Phase(recorder.getIntervalHistogram(), errors.get(), Map.copyOf(kinds));
        }
    }

    /** Latencies (microseconds) and errors of one or more phases to one target. */
    record Phase(Histogram latency, long errors, Map<String, Long> kinds) {

        static Phase empty() {
            return new Phase(new Histogram(3), 0, Map.of());
        }

        Phase plus(Phase other) {
            Histogram sum = latency.copy();
            sum.add(other.latency);
            Map<String, Long> k = new HashMap<>(kinds);
            other.kinds.forEach((name, n) -> k.merge(name, n, Long::sum));
            return new Phase(sum, errors + other.errors, Map.copyOf(k));
        }
    }
}
