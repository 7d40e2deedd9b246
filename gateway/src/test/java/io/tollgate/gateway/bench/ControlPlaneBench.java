package io.tollgate.gateway.bench;

import io.tollgate.gateway.GatewayApplication;
import io.tollgate.gateway.admission.Admission;
import io.tollgate.gateway.admission.AdmissionDecision;
import io.tollgate.gateway.admission.QuotaSnapshot;
import io.tollgate.gateway.config.GatewayConfigLoader;
import io.tollgate.gateway.routing.Caller;
import io.tollgate.localstack.EmbeddedKafka;
import io.tollgate.localstack.provider.SimulatedProvider;
import io.tollgate.metering.MeteringApplication;
import io.tollgate.metering.config.MeteringConfigLoader;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.policy.PolicyFileParser;
import io.tollgate.schemas.policy.TollgateConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The control plane on the real stack (embedded broker, metering-stream, simulated provider, all in
 * this JVM). Not part of {@code mvn verify}; run by hand (command in gateway/README.md).
 *
 * <ol>
 *   <li>Quota exhausted in the stores -> refusal at another gateway: gateway A serves one call of
 *       about 6000 tokens for a key with tpm 10000; metering-stream writes the QuotaStatus; gateway
 *       B, which never saw the call, is probed in-process through its own admission (5000 tokens,
 *       settled at 0 when admitted, so probing consumes nothing) every ~0.5 ms until it refuses.
 *       Reported: QuotaStatus visible to a read_committed consumer -> B refuses, and A's response
 *       returned -> B refuses.</li>
 *   <li>Over-admission: 300 calls from 32 clients against rpm 60, fresh key per round, with one, two and
 *       three gateways that share only a consumer group ({@code TOLLGATE_GATEWAY_GROUP}): N comes from the
 *       group's membership.</li>
 * </ol>
 * The gateways read the bench's policy file directly ({@code TOLLGATE_POLICY_TOPIC=false}): what is measured is
 * the control plane, not how policies arrive.
 * Arguments: latency trials (default 30), burst rounds per setup (default 5).
 */
public final class ControlPlaneBench {

    private static final HexFormat HEX = HexFormat.of();
    private static final int TPM = 10_000;

    private ControlPlaneBench() {
    }

    public static void main(String[] args) throws Exception {
        int trials = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path dir = Files.createTempDirectory("control-bench");
        String registry = "mock://control-bench";
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().build().start();
             SimulatedProvider provider = SimulatedProvider.start()) {
            kafka.createTopics(Topics.specs(), 1);
            Map<String, String> keys = new HashMap<>();
            keys.put("schema.registry.url", registry);
            keys.put("application.id", "control-bench-metering");
            keys.put("metering.http.port", "0");
            keys.put("state.dir", dir.resolve("metering").toString());
            try (MeteringApplication metering = new MeteringApplication(MeteringConfigLoader.fromMaps(keys,
                    Map.of("bootstrap.servers", kafka.bootstrapServers()))).start()) {
                TollgateConfig policy = policy(provider, trials, rounds);
                System.out.printf("machine: %d cores, JDK %s; %d latency trials, %d burst rounds per setup%n",
                        Runtime.getRuntime().availableProcessors(), Runtime.version(), trials, rounds);
                try (GatewayApplication a = gateway(kafka, registry, dir, "a", "bench-pair", policy);
                     GatewayApplication b = gateway(kafka, registry, dir, "b", "bench-pair", policy)) {
                    latency(kafka, registry, a, b, trials);
                }
                for (int n = 1; n <= 3; n++) {
                    List<GatewayApplication> fleet = new ArrayList<>();
                    try {
                        for (int g = 0; g < n; g++) {
                            fleet.add(gateway(kafka, registry, dir, "fleet-" + n + "-" + g, "bench-fleet-" + n, policy));
                        }
                        awaitFleet(fleet, n);
                        bursts(n + (n == 1 ? " gateway" : " gateways of one group"), fleet, "k-fleet-" + n + "-", rounds);
                    } finally {
                        fleet.forEach(GatewayApplication::close);
                    }
                }
            }
        }
        System.exit(0);
    }

    private static TollgateConfig policy(SimulatedProvider provider, int trials, int rounds) {
        StringBuilder keys = new StringBuilder();
        for (int i = 0; i < trials; i++) {
            keys.append(key("k-lat-" + i, "tpm-bench"));
        }
        for (String prefix : List.of("k-fleet-1-", "k-fleet-2-", "k-fleet-3-")) {
            for (int i = 0; i < rounds; i++) {
                keys.append(key(prefix + i, "burst-bench"));
            }
        }
        String yaml = """
                organisation: {zone: UTC, reset_hour: 0, quota_warning_percent: 80}
                providers:
                  - {name: simulated, base_url: "%s", api_keys: [sim-key-1], discovery: none}
                models:
                  - {id: sim-small, provider: simulated, context_window: 128000, max_output_tokens: 16384,
                     tokenizer: o200k_base, price: {input: 0.15, output: 0.60}, tier: small}
                tiers:
                  - name: tpm-bench
                    limits:
                      - {model: "*", tpm: %d}
                  - name: burst-bench
                    limits:
                      - {model: "*", rpm: 60}
                keys:
                %s
                routing:
                  auto_wait: true
                  max_wait_seconds: 3
                """.formatted(provider.baseUrl(), TPM, keys);
        return PolicyFileParser.parse(yaml, "control-bench.yaml");
    }

    private static String key(String id, String tier) {
        return "  - {id: " + id + ", hash: " + sha256("tg-" + id) + ", tenant: bench, team: bench, agent: " + id
                + ", tier: " + tier + "}\n";
    }

    private static String sha256(String s) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static GatewayApplication gateway(EmbeddedKafka kafka, String registry, Path dir, String id, String group,
                                              TollgateConfig policy) {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("TOLLGATE_SCHEMA_REGISTRY_URL", registry);
        env.put("TOLLGATE_GATEWAY_PORT", "0");
        env.put("TOLLGATE_ADMIN_PORT", "0");
        env.put("TOLLGATE_ADMIN_TOKEN", "bench-admin-token-0123456789");
        env.put("TOLLGATE_GATEWAY_HOST", "127.0.0.1");
        env.put("TOLLGATE_GATEWAY_ID", "bench-" + id);
        env.put("TOLLGATE_SPOOL_DIR", dir.resolve("spool-" + id).toString());
        env.put("TOLLGATE_WORKING_DIR", dir.toString());
        env.put("HOME", dir.toString());
        env.put("TOLLGATE_POLICY_TOPIC", "false");
        env.put("TOLLGATE_GATEWAY_GROUP", group);
        return new GatewayApplication(new GatewayConfigLoader(env).load(policy, "control-bench.yaml")).start();
    }

    private static HttpResponse<String> chat(HttpClient http, GatewayApplication gateway, String keyId, String content,
                                             int maxTokens) throws Exception {
        String body = "{\"model\":\"sim-small\",\"max_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}";
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer tg-" + keyId)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void latency(EmbeddedKafka kafka, String registry, GatewayApplication a, GatewayApplication b,
                                int trials) throws Exception {
        Map<String, Long> statusSeenNanos = new ConcurrentHashMap<>();
        Topics topics = Topics.forRegistry(registry);
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("isolation.level", "read_committed");
        props.put("enable.auto.commit", "false");
        Thread watcher;
        try (KafkaConsumer<String, QuotaStatus> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                topics.quotaStatus().valueSerde().deserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(Topics.QUOTA_STATUS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            parts.forEach(consumer::position);
            java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
            watcher = Thread.ofPlatform().start(() -> {
                while (running.get()) {
                    for (ConsumerRecord<String, QuotaStatus> r : consumer.poll(Duration.ofMillis(20))) {
                        QuotaSnapshot s = QuotaSnapshot.of(r.value());
                        long tokens = 0;
                        for (long t : s.bucketTokens()) {
                            tokens += t;
                        }
                        if (s.model().equals("*") && tokens >= TPM / 2) {
                            statusSeenNanos.putIfAbsent(s.apiKeyId(), System.nanoTime());
                        }
                    }
                }
            });
            HttpClient http = HttpClient.newHttpClient();
            String prompt = "hello ".repeat(6_000);
            Admission probe = b.control().orElseThrow().admission();
            List<Long> fromStatus = new ArrayList<>();
            List<Long> fromResponse = new ArrayList<>();
            int missed = 0;
            for (int i = 0; i < trials; i++) {
                String key = "k-lat-" + i;
                Caller caller = new Caller(key, "bench", "bench", key, "tpm-bench", null);
                long[] refusedAt = {0};
                Thread prober = Thread.ofPlatform().start(() -> {
                    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                    while (System.nanoTime() < deadline) {
                        AdmissionDecision d = probe.tryAdmit(caller, "sim-small", 5_000, System.currentTimeMillis());
                        if (d instanceof AdmissionDecision.Admitted ok) {
                            probe.settle(ok.reservation(), 0, System.currentTimeMillis());
                            LockSupport.parkNanos(500_000);
                        } else {
                            refusedAt[0] = System.nanoTime();
                            return;
                        }
                    }
                });
                HttpResponse<String> r = chat(http, a, key, prompt, 16);
                long answered = System.nanoTime();
                prober.join();
                Long seen = statusSeenNanos.get(key);
                if (r.statusCode() != 200 || refusedAt[0] == 0 || seen == null) {
                    missed++;
                    continue;
                }
                fromStatus.add(refusedAt[0] - seen);
                fromResponse.add(refusedAt[0] - answered);
            }
            running.set(false);
            watcher.join();
            System.out.printf("quota exhausted -> refusal at another gateway (%d trials, %d missed)%n", trials, missed);
            System.out.printf("  QuotaStatus visible (read_committed) -> refused: p50 %.1f ms, p99 %.1f ms, min %.1f, max %.1f%n",
                    pct(fromStatus, 50), pct(fromStatus, 99), pct(fromStatus, 0), pct(fromStatus, 100));
            System.out.printf("  call answered at gateway A -> refused at B: p50 %.1f ms, p99 %.1f ms, min %.1f, max %.1f%n",
                    pct(fromResponse, 50), pct(fromResponse, 99), pct(fromResponse, 0), pct(fromResponse, 100));
        }
    }

    private static double pct(List<Long> nanos, int p) {
        if (nanos.isEmpty()) {
            return Double.NaN;
        }
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i))) / 1e6;
    }

    /** Waits until every gateway counts {@code n} in its fleet. */
    private static void awaitFleet(List<GatewayApplication> fleet, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!fleet.stream().allMatch(g -> g.control().orElseThrow().fleetSize() == n)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the fleet of " + n + " gateways did not see itself whole in 30 s");
            }
            Thread.sleep(50);
        }
    }

    private static void bursts(String label, List<GatewayApplication> gateways, String keyPrefix, int rounds)
            throws Exception {
        HttpClient http = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        List<Integer> admitted = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            String key = keyPrefix + round;
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger next = new AtomicInteger();
            try (ExecutorService pool = Executors.newFixedThreadPool(32)) {
                List<Future<?>> done = new ArrayList<>();
                for (int c = 0; c < 32; c++) {
                    done.add(pool.submit(() -> {
                        int i;
                        while ((i = next.getAndIncrement()) < 300) {
                            if (chat(http, gateways.get(i % gateways.size()), key, "hi", 4).statusCode() == 200) {
                                ok.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            }
            admitted.add(ok.get());
        }
        List<Integer> sorted = new ArrayList<>(admitted);
        Collections.sort(sorted);
        System.out.printf("burst 300 calls / 32 clients / rpm 60, %s: admitted per round %s (median %d, max %d, "
                + "over-admission max %d, bound %d)%n", label, admitted, sorted.get(sorted.size() / 2), sorted.getLast(),
                Math.max(0, sorted.getLast() - 60), 60 + gateways.size() - 1);
    }
}
