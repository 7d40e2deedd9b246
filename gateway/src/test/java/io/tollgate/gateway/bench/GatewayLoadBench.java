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
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;

/**
 * Load generator (not a test): gateway overhead = latency through the gateway minus latency
 * straight to the simulated provider (zero delay), p50 and p99, at several client counts, in one
 * run and one JVM; plus requests/s through the gateway. Closed loop: each client sends its next
 * request when the previous one is answered. Events go to a real embedded broker.
 *
 * <p>Args: {@code [seconds per phase (10)] [client counts (1,64,256)] [events: kafka (default) | none]};
 * {@code none} replaces the Kafka event sink by one that drops events, to show what publishing costs.
 */
public final class GatewayLoadBench {

    private static final String BODY = "{\"model\":\"sim-small\",\"max_tokens\":16,\"messages\":["
            + "{\"role\":\"system\",\"content\":\"You are terse.\"},"
            + "{\"role\":\"user\",\"content\":\"Name three prime numbers below twenty.\"}]}";

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        List<Integer> clients = args.length > 1
                ? List.of(args[1].split(",")).stream().map(Integer::parseInt).toList() : List.of(1, 64, 256);
        boolean kafkaEvents = args.length < 3 || !args[2].equals("none");
        Path dir = Files.createTempDirectory("tollgate-bench");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().start();
             SimulatedProvider provider = SimulatedProvider.start()) {
            kafka.createTopics(Topics.specs(), 1);
            Map<String, String> env = new HashMap<>();
            env.put("TOLLGATE_SIMULATED_PROVIDER_URL", provider.baseUrl());
            env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
            env.put("TOLLGATE_SCHEMA_REGISTRY_URL", "mock://bench");
            env.put("TOLLGATE_GATEWAY_PORT", "0");
            env.put("TOLLGATE_ADMIN_PORT", "0");
            env.put("TOLLGATE_ADMIN_TOKEN", "bench-admin-token-0123456789");
            env.put("TOLLGATE_GATEWAY_HOST", "127.0.0.1");
            env.put("TOLLGATE_SPOOL_DIR", dir.resolve("spool").toString());
            env.put("TOLLGATE_WORKING_DIR", dir.toString());
            env.put("HOME", dir.toString());
            env.put("TOLLGATE_POLICY_TOPIC", "false");
            TollgateConfig policy = PolicyFileParser.parse(Path.of("tollgate.yaml"), env::get);
            GatewayConfig config = new GatewayConfigLoader(env).load(policy, "tollgate.yaml");
            // the proxy alone, without the control plane (whose cost AdmissionBenchmark measures on its own)
            GatewayApplication.Builder builder = GatewayApplication.builder(config).withoutControl();
            if (!kafkaEvents) {
                builder.eventSink(new DroppingSink());
            }
            try (GatewayApplication gateway = builder.build().start()) {
                URI direct = URI.create(provider.baseUrl() + "/chat/completions");
                URI through = URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions");
                System.out.printf("machine: %d cores, JDK %s; %d s per phase; usage events: %s%n",
                        Runtime.getRuntime().availableProcessors(), Runtime.version(), seconds,
                        kafkaEvents ? "spool + Kafka (embedded broker, same JVM)" : "dropped");
                System.out.println("clients | direct p50 ms | direct p99 ms | gateway p50 ms | gateway p99 ms |"
                        + " overhead p50 ms | overhead p99 ms | direct req/s | gateway req/s | errors");
                for (int c : clients) {
                    run(direct, "sim-key-1", c, Math.max(2, seconds / 3)); // warm-up, discarded
                    run(through, "tg-demo-support", c, Math.max(2, seconds / 3));
                    Result d = run(direct, "sim-key-1", c, seconds);
                    Result g = run(through, "tg-demo-support", c, seconds);
                    System.out.printf("%7d | %13.3f | %13.3f | %14.3f | %14.3f | %15.3f | %15.3f | %12.0f | %13.0f | %d%n",
                            c, d.p50(), d.p99(), g.p50(), g.p99(), g.p50() - d.p50(), g.p99() - d.p99(),
                            d.rps(), g.rps(), d.errors() + g.errors());
                    if (d.errors() + g.errors() > 0) {
                        System.out.println("        errors direct " + d.kinds() + ", gateway " + g.kinds());
                    }
                }
                System.out.println("spooled events not yet acknowledged at the end: " + gateway.events().pendingEvents());
            }
        }
    }

    record Result(double p50, double p99, double rps, long errors, Map<String, Long> kinds) {
    }

    /** Drops events: isolates the proxy's own cost from publishing. */
    private static final class DroppingSink implements io.tollgate.gateway.events.EventSink {
        @Override
        public void publish(io.tollgate.schemas.avro.UsageEvent event) {
        }

        @Override
        public java.util.Optional<String> refusal() {
            return java.util.Optional.empty();
        }

        @Override
        public long pendingEvents() {
            return 0;
        }

        @Override
        public void close() {
        }
    }

    private static Result run(URI uri, String key, int clients, int seconds) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(uri)
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(BODY))
                .build();
        Recorder recorder = new Recorder(3);
        AtomicLong errors = new AtomicLong();
        Map<String, Long> kinds = new java.util.concurrent.ConcurrentHashMap<>();
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        CountDownLatch finished = new CountDownLatch(clients);
        long start = System.nanoTime();
        for (int i = 0; i < clients; i++) {
            Thread.ofVirtual().start(() -> {
                try {
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        try {
                            HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                            if (r.statusCode() != 200) {
                                errors.incrementAndGet();
                                kinds.merge("HTTP " + r.statusCode(), 1L, Long::sum);
                            }
                        } catch (Exception e) {
                            errors.incrementAndGet();
                            kinds.merge(e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).substring(0, Math.min(60, String.valueOf(e.getMessage()).length())), 1L, Long::sum);
                        }
                        recorder.recordValue((System.nanoTime() - t0) / 1_000);
                        done.incrementAndGet();
                    }
                } finally {
                    finished.countDown();
                }
            });
        }
        finished.await();
        double elapsed = (System.nanoTime() - start) / 1e9;
        Histogram h = recorder.getIntervalHistogram();
        http.close();
        return new Result(h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                done.get() / elapsed, errors.get(), Map.copyOf(kinds));
    }
}
