package io.tollgate.budget.bench;

import io.tollgate.budget.BudgetAlertsApplication;
import io.tollgate.budget.config.BudgetAlertsConfig;
import io.tollgate.policy.records.PolicyRecords;
import io.tollgate.localstack.EmbeddedKafka;
import io.tollgate.policy.scope.Keys;
import io.tollgate.policy.calendar.Periods;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.AlertKind;
import io.tollgate.schemas.avro.BudgetAction;
import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.BudgetPolicy;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.RoutingCommand;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.SpendTotal;
import io.tollgate.schemas.serde.AvroSerdeConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Latency from producing a SpendTotal that crosses 100 % of a budget to the alert and the BLOCK
 * command being readable (read_committed) on their topics, on the embedded broker. Baseline in the
 * same run: one produce -> read_committed consume hop through the same broker. Sequential: one
 * crossing at a time, so this is latency without load, not throughput.
 *
 * <p>Run: {@code mvn -B -q -o -pl budget-alerts test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.tollgate.budget.bench.ThresholdLatencyBench -Dexec.args="200 [key=value ...]"}
 * (samples, then Streams properties overriding the service defaults).
 */
public final class ThresholdLatencyBench {

    private static final io.tollgate.policy.access.AccessToken BENCH_TOKEN =
            io.tollgate.policy.access.AccessToken.of("budget-bench-operator-token", "bench");

    private static final long LIMIT = 1_000_000L;

    private ThresholdLatencyBench() {
    }

    public static void main(String[] args) throws Exception {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int warmup = Math.max(10, samples / 10);
        String registry = "mock://bench-" + UUID.randomUUID();
        Topics topics = Topics.forRegistry(registry);
        Path state = Files.createTempDirectory("budget-bench-");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().build().start()) {
            kafka.createTopics(Topics.specs(), 1);
            kafka.createTopics(List.of(new Topics.TopicSpec("bench.baseline", Topics.Cleanup.DELETE, Duration.ofHours(1))), 1);
            Map<String, Object> producerProps = new HashMap<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                    "acks", "all", "linger.ms", "0", AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry));
            String today = Periods.day(System.currentTimeMillis(), ZoneId.of("UTC"), 0).key();

            List<Long> baseline = baseline(kafka, producerProps, samples + warmup);

            try (KafkaProducer<String, Policy> policies = new KafkaProducer<>(producerProps, Serdes.String().serializer(),
                    topics.policies().valueSerde().serializer())) {
                for (int i = 0; i < samples + warmup; i++) {
                    policies.send(budget("bench-" + i)).get();
                }
            }
            Map<String, String> streamsProps = new HashMap<>(Map.of("bootstrap.servers", kafka.bootstrapServers()));
            for (int a = 1; a < args.length; a++) {
                String[] kv = args[a].split("=", 2);
                streamsProps.put(kv[0], kv[1]);
            }
            BudgetAlertsConfig config = new BudgetAlertsConfig(streamsProps,
                    registry, "budget-bench", "127.0.0.1", 0, state, ZoneId.of("UTC"), 80, Duration.ofSeconds(1),
                    Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofHours(2), 3, Duration.ofDays(30), null)
                    .withOperatorToken(BENCH_TOKEN);
            try (BudgetAlertsApplication app = new BudgetAlertsApplication(config).start();
                 KafkaProducer<String, SpendTotal> spend = new KafkaProducer<>(producerProps, Serdes.String().serializer(),
                         topics.spend().valueSerde().serializer());
                 KafkaConsumer<String, BudgetAlert> alerts = consumer(kafka, registry, topics.alerts().valueSerde().deserializer(), Topics.ALERTS);
                 KafkaConsumer<String, RoutingCommand> commands = consumer(kafka, registry, topics.commands().valueSerde().deserializer(), Topics.COMMANDS)) {
                waitRunning(app, samples + warmup);
                Map<String, Long> alertAt = new ConcurrentHashMap<>();
                Map<String, Long> commandAt = new ConcurrentHashMap<>();
                List<Long> alertLatency = new ArrayList<>();
                List<Long> commandLatency = new ArrayList<>();
                for (int i = 0; i < samples + warmup; i++) {
                    String scope = "team:bench-" + i;
                    SpendTotal total = SpendTotal.newBuilder().setScopeType(ScopeType.TEAM).setScopeId("bench-" + i)
                            .setPeriod(PeriodType.DAY).setPeriodKey(today).setCostMicros(LIMIT).setUpdatedAt(1).build();
                    long sent = System.nanoTime();
                    spend.send(new ProducerRecord<>(Topics.SPEND, Keys.spend(ScopeType.TEAM, "bench-" + i, today), total));
                    spend.flush();
                    long deadline = sent + Duration.ofSeconds(30).toNanos();
                    while (!(alertAt.containsKey(scope) && commandAt.containsKey(scope)) && System.nanoTime() < deadline) {
                        for (ConsumerRecord<String, BudgetAlert> r : alerts.poll(Duration.ofMillis(1))) {
                            if (r.value().getKind() == AlertKind.BUDGET_THRESHOLD && r.value().getThresholdPercent() == 100) {
                                alertAt.putIfAbsent(r.key(), System.nanoTime());
                            }
                        }
                        for (ConsumerRecord<String, RoutingCommand> r : commands.poll(Duration.ofMillis(1))) {
                            commandAt.putIfAbsent(r.key(), System.nanoTime());
                        }
                    }
                    if (!alertAt.containsKey(scope) || !commandAt.containsKey(scope)) {
                        throw new IllegalStateException("no alert or command for " + scope + " within 30 s");
                    }
                    if (i >= warmup) {
                        alertLatency.add(alertAt.get(scope) - sent);
                        commandLatency.add(commandAt.get(scope) - sent);
                    }
                }
                System.out.printf(Locale.ROOT, "nproc=%d java=%s samples=%d warmup=%d overrides of service defaults=%s%n",
                        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), samples, warmup, streamsProps);
                report("baseline produce->consume hop", baseline.subList(warmup, baseline.size()), null);
                report("spend -> 100% alert readable", alertLatency, baseline.subList(warmup, baseline.size()));
                report("spend -> BLOCK command readable", commandLatency, baseline.subList(warmup, baseline.size()));
            }
        }
    }

    private static List<Long> baseline(EmbeddedKafka kafka, Map<String, Object> producerProps, int n) throws Exception {
        List<Long> out = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps, Serdes.String().serializer(), Serdes.String().serializer());
             KafkaConsumer<String, String> consumer = consumer(kafka, "mock://unused", Serdes.String().deserializer(), "bench.baseline")) {
            consumer.poll(Duration.ofMillis(500));
            for (int i = 0; i < n; i++) {
                String key = "k" + i;
                long sent = System.nanoTime();
                producer.send(new ProducerRecord<>("bench.baseline", key, "v"));
                producer.flush();
                boolean seen = false;
                while (!seen) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(1))) {
                        seen |= r.key().equals(key);
                    }
                }
                out.add(System.nanoTime() - sent);
            }
        }
        return out;
    }

    private static void waitRunning(BudgetAlertsApplication app, int budgets) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (app.state() == KafkaStreams.State.RUNNING) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort()
                        + "/budgets?scope=team:bench-")).header("Authorization", BENCH_TOKEN.authorization()).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().split("\"scope\"").length - 1 == budgets) {
                    return;
                }
            }
            Thread.sleep(100); // a benchmark driver, not a test: polling the app's readiness
        }
        throw new IllegalStateException("budget-alerts did not become ready with " + budgets + " budgets");
    }

    private static <V> KafkaConsumer<String, V> consumer(EmbeddedKafka kafka, String registry, Deserializer<V> values, String topic) {
        Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "group.id", "bench-" + UUID.randomUUID(), "auto.offset.reset", "latest", "isolation.level", "read_committed",
                "fetch.max.wait.ms", "10", AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry));
        KafkaConsumer<String, V> consumer = new KafkaConsumer<>(props, Serdes.String().deserializer(), values);
        consumer.subscribe(List.of(topic));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (consumer.assignment().isEmpty() && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(100));
        }
        return consumer;
    }

    private static ProducerRecord<String, Policy> budget(String team) {
        BudgetPolicy budget = BudgetPolicy.newBuilder().setScopeType(ScopeType.TEAM).setScopeId(team).setPeriod(PeriodType.DAY)
                .setZone("UTC").setLimitMicros(LIMIT).setAction(BudgetAction.BLOCK).build();
        return new ProducerRecord<>(Topics.POLICIES, PolicyRecords.budgetKey(ScopeType.TEAM, team, PeriodType.DAY),
                new Policy(budget, System.currentTimeMillis(), "bench"));
    }

    private static void report(String what, List<Long> nanos, List<Long> baseline) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        double p50 = ms(percentile(sorted, 50));
        double p99 = ms(percentile(sorted, 99));
        String ratio = "";
        if (baseline != null) {
            List<Long> b = new ArrayList<>(baseline);
            Collections.sort(b);
            ratio = String.format(Locale.ROOT, "  (p50 %.1fx baseline)", p50 / ms(percentile(b, 50)));
        }
        System.out.printf(Locale.ROOT, "%-34s n=%d p50=%.1f ms p99=%.1f ms max=%.1f ms%s%n", what, sorted.size(), p50, p99,
                ms(sorted.getLast()), ratio);
    }

    private static long percentile(List<Long> sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
    }

    private static double ms(long nanos) {
        return nanos / 1_000_000.0;
    }
}
