package io.tollgate.metering.bench;

import io.tollgate.localstack.EmbeddedKafka;
import io.tollgate.localstack.registry.RegistryServer;
import io.tollgate.metering.MeteringApplication;
import io.tollgate.metering.PricedEvents;
import io.tollgate.metering.config.MeteringConfigLoader;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * How long interactive queries fail when one of two metering instances dies. Instance A runs in this JVM, instance B
 * in a child JVM; both count the same usage (40 keys over 4 partitions). Then B is killed with SIGKILL (or stopped
 * with SIGTERM: it closes and leaves the group) while a poller asks A for the keys' day totals, one every 20 ms; it
 * reports the longest time a key went without an exact answer and how many answers failed. Run once per setting. Not a test: see BENCHMARKS.md for the command. Args: {@code standby}
 * replicas (0 or 1), {@code kill|close}, optionally {@code session.timeout.ms} for both instances (Kafka's default
 * otherwise).
 */
public final class QueryGapBench {

    private static final int KEYS = 40;
    private static final int CALLS_PER_KEY = 25;

    public static void main(String[] args) throws Exception {
        int standby = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        boolean kill = args.length <= 1 || args[1].equals("kill");
        String sessionTimeout = args.length > 2 ? args[2] : null;
        Path dir = Files.createTempDirectory("query-gap-");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).start();
             RegistryServer registry = RegistryServer.start("query-gap-" + UUID.randomUUID(), 0)) {
            kafka.createTopics(Topics.specs(), 4);
            String appId = "query-gap-" + standby + "-" + UUID.randomUUID().toString().substring(0, 8);
            Map<String, String> keys = new HashMap<>(Map.of("application.id", appId, "schema.registry.url", registry.url(),
                    "metering.http.host", "127.0.0.1", "metering.http.port", "0",
                    "metering.standby.replicas", Integer.toString(standby), "metering.create.topics", "false"));
            Map<String, String> kafkaProps = new HashMap<>(Map.of("bootstrap.servers", kafka.bootstrapServers()));
            if (sessionTimeout != null) {
                kafkaProps.put("session.timeout.ms", sessionTimeout);
            }
            keys.put("state.dir", dir.resolve("state-a").toString());
            Process b = startChild(keys, kafkaProps, dir.resolve("state-b"), dir.resolve("b.log"));
            try (MeteringApplication a = new MeteringApplication(MeteringConfigLoader.fromMaps(keys, kafkaProps)).start()) {
                long[] tokens = produce(kafka.bootstrapServers(), registry.url());
                URI base = a.advertisedUrl();
                waitUntil(() -> a.state() == KafkaStreams.State.RUNNING && allExact(base, tokens) && twoInstances(base),
                        Duration.ofMinutes(3), "both instances running and every total exact");
                Thread.sleep(5_000); // standbys catch up and the assignment settles
                long stopped = System.nanoTime();
                if (kill) {
                    b.destroyForcibly();
                } else {
                    b.destroy(); // SIGTERM: MeteringApplication's shutdown hook closes Streams
                }
                Gap gap = measure(base, tokens, stopped);
                System.out.printf("standby=%d stop=%s session.timeout.ms=%s: longest a key went unanswered %d ms;"
                                + " %d of %d answers not 200 or not exact, the last %d ms after the stop%n",
                        standby, kill ? "SIGKILL" : "SIGTERM", sessionTimeout == null ? "default" : sessionTimeout,
                        gap.longestMillis(), gap.failed(), gap.asked(), gap.lastFailureMillis());
            } finally {
                b.destroyForcibly();
            }
        }
    }

    /**
     * @param longestMillis the longest a key went without an exact answer, counted from the stop (or from its last
     *                      exact answer after it) to its next exact answer
     * @param lastFailureMillis when the last answer that was not 200 or not exact came, after the stop
     */
    private record Gap(long longestMillis, long lastFailureMillis, int failed, int asked) {
    }

    /**
     * Polls every key, one every 20 ms, for at least 75 s (past the default 45 s session timeout after which the group
     * notices a killed member, and its rebalance) and until 30 s pass after the last failure (at most 5 minutes).
     */
    private static Gap measure(URI base, long[] tokens, long stopped) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long[] lastExact = new long[KEYS];
        java.util.Arrays.fill(lastExact, stopped);
        boolean[] failing = new boolean[KEYS];
        long longest = 0;
        long lastFailure = stopped;
        int failed = 0;
        int asked = 0;
        long deadline = stopped + Duration.ofMinutes(5).toNanos();
        long atLeast = stopped + Duration.ofSeconds(75).toNanos();
        while (System.nanoTime() < atLeast
                || System.nanoTime() < deadline && System.nanoTime() - lastFailure < Duration.ofSeconds(30).toNanos()) {
            for (int key = 0; key < KEYS; key++) {
                asked++;
                long now = System.nanoTime();
                if (exact(http, base, key, tokens[key])) {
                    if (failing[key]) {
                        longest = Math.max(longest, now - lastExact[key]);
                        failing[key] = false;
                    }
                    lastExact[key] = now;
                } else {
                    failed++;
                    failing[key] = true;
                    lastFailure = now;
                }
                Thread.sleep(20);
            }
        }
        return new Gap(longest / 1_000_000, failed == 0 ? 0 : (lastFailure - stopped) / 1_000_000, failed, asked);
    }

    private static boolean exact(HttpClient http, URI base, int key, long expected) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/v1/keys/gap-key-" + key + "/daily"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("\"tokens\":" + expected + ",")
                    || r.statusCode() == 200 && r.body().contains("\"tokens\":" + expected + "}");
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean allExact(URI base, long[] tokens) {
        HttpClient http = HttpClient.newHttpClient();
        for (int key = 0; key < KEYS; key++) {
            if (!exact(http, base, key, tokens[key])) {
                return false;
            }
        }
        return true;
    }

    private static boolean twoInstances(URI base) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve("/instances"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().split("\"host\"").length == 3;
        } catch (Exception e) {
            return false;
        }
    }

    private static long[] produce(String bootstrap, String registryUrl) {
        long[] tokens = new long[KEYS];
        Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers", bootstrap, "acks", "all",
                "schema.registry.url", registryUrl));
        Instant now = Instant.now();
        try (KafkaProducer<String, UsageEvent> producer = new KafkaProducer<>(props, new StringSerializer(),
                Topics.forRegistry(registryUrl).usage().valueSerde().serializer())) {
            for (int call = 0; call < KEYS * CALLS_PER_KEY; call++) {
                int key = call % KEYS;
                long reserved = 100 + call % 37;
                long actual = 20 + call % 151;
                UsageEvent request = UsageEvent.newBuilder().setEventId(UUID.randomUUID().toString())
                        .setCallId("gap-call-" + call).setPhase(Phase.REQUEST).setTimestamp(now)
                        .setApiKeyId("gap-key-" + key).setTenant("acme").setTeam("t").setAgent("a").setRequestedModel("m")
                        .setModel("m").setReservedPromptTokens(reserved / 2).setReservedCompletionTokens(reserved - reserved / 2)
                        .setReservedTokens(reserved).setReservedCostMicros(reserved * 3).build();
                UsageEvent response = UsageEvent.newBuilder(request).setEventId(UUID.randomUUID().toString())
                        .setPhase(Phase.RESPONSE).setTimestamp(now.plusMillis(1)).setTotalTokens(actual)
                        .setPromptTokens(actual / 2).setCachedPromptTokens(actual / 2)
                        .setCompletionTokens(actual - actual / 2).setCostMicros(actual * 3 + 1)
                        .setStatus(CallStatus.SUCCESS).setLatencyMs(10).build();
                producer.send(new ProducerRecord<>(Topics.USAGE, request.getApiKeyId(), PricedEvents.priced(request)));
                producer.send(new ProducerRecord<>(Topics.USAGE, response.getApiKeyId(), PricedEvents.priced(response)));
                tokens[key] += actual;
            }
        }
        return tokens;
    }

    /** Instance B: MeteringApplication's main in its own JVM, configured through the environment. */
    private static Process startChild(Map<String, String> keys, Map<String, String> kafkaProps, Path state, Path log)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), MeteringApplication.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        keys.forEach((k, v) -> env.put("TOLLGATE_" + k.toUpperCase().replace('.', '_'), v));
        env.put("TOLLGATE_STATE_DIR", state.toString());
        kafkaProps.forEach((k, v) -> env.put("KAFKA_" + k.toUpperCase().replace('.', '_'), v));
        return pb.start();
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition, Duration limit, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not reached within " + limit + ": " + what);
            }
            Thread.sleep(200);
        }
    }
}
