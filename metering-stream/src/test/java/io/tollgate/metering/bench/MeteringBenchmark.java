package io.tollgate.metering.bench;

import io.tollgate.localstack.EmbeddedKafka;
import io.tollgate.metering.MeteringApplication;
import io.tollgate.metering.config.MeteringConfigLoader;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.avro.UsageEvent;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Throughput and status lag of the full metering topology on one instance against the embedded broker,
 * with a plain deserializing consumer over the same events as the machine's ceiling, and a Streams application
 * with the same configuration whose topology only deserializes (the ceiling of any Streams topology here).
 * Not a test: run with the command in BENCHMARKS.md. Args: events per run (default 200000), runs (3), optionally
 * {@code no-lag} to skip the lag phase, {@code lag-only} for that phase alone, or {@code metering-only} for the no-op
 * application and the default metering run alone (profiling, quick A/B).
 */
public final class MeteringBenchmark {

    private static final String REGISTRY = "mock://metering-bench";
    private static final int PARTITIONS = 4;
    private static final int KEYS = 200;
    private static final String FLOOR_OUTPUT = "metering-bench-floor-out";

    private MeteringBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        boolean lagPhase = args.length < 3 || !args[2].equals("no-lag"); // "no-lag": throughput only, for profiling
        boolean lagOnly = args.length > 2 && args[2].equals("lag-only");
        boolean meteringOnly = args.length > 2 && args[2].equals("metering-only");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().start()) {
            kafka.createTopics(Topics.specs(), PARTITIONS);
            Topics topics = Topics.forRegistry(REGISTRY);
            if (lagOnly) {
                for (int run = 0; run < runs; run++) {
                    lag(kafka, topics, "every-event");
                    lag(kafka, topics, "per-commit");
                }
                return;
            }
            long t0 = System.nanoTime();
            produce(kafka, topics, events);
            try (Admin admin = Admin.create(kafka.adminProperties())) {
                long inTopic = endOffsets(admin).values().stream().mapToLong(Long::longValue).sum();
                if (inTopic != events) {
                    throw new IllegalStateException("usage topic holds " + inTopic + " events, expected " + events);
                }
            }
            System.out.printf("produced %d events in %.1f s%n", events, (System.nanoTime() - t0) / 1e9);

            try (Admin admin = Admin.create(kafka.adminProperties())) {
                admin.createTopics(List.of(new NewTopic(FLOOR_OUTPUT, PARTITIONS, (short) 1))).all().get();
            }

            List<Double> plain = new ArrayList<>();
            List<Double> floor = new ArrayList<>();
            List<Double> floorInner = new ArrayList<>();
            List<Double> floorWrite = new ArrayList<>();
            List<Double> metering = new ArrayList<>();
            List<Double> perCommit = new ArrayList<>();
            List<CpuPerEvent> floorCpu = new ArrayList<>();
            List<CpuPerEvent> floorWriteCpu = new ArrayList<>();
            List<CpuPerEvent> meteringCpu = new ArrayList<>();
            List<CpuPerEvent> perCommitCpu = new ArrayList<>();
            if (meteringOnly) {
                // for profiling and quick A/B: the no-op app and the default (per-commit) metering only
                for (int run = 1; run <= runs; run++) {
                    FloorResult noop = streamsFloor(kafka, topics, events, run, false);
                    RunResult commit = meteringRun(kafka, events, run, "per-commit");
                    floorCpu.add(noop.cpu());
                    perCommitCpu.add(commit.cpu());
                    floor.add(noop.committed());
                    perCommit.add(commit.rate());
                    System.out.printf("run %d stream-thread CPU us/event: no-op %.2f, metering per-commit %.2f;"
                            + " events/s no-op %.0f, metering %.0f%n", run, noop.cpu().streamThreadMicros(),
                            commit.cpu().streamThreadMicros(), noop.committed(), commit.rate());
                }
                System.out.printf("MEDIAN stream-thread CPU us/event no-op %.2f, metering per-commit %.2f;"
                        + " throughput ratio metering/no-op %.3f%n",
                        median(floorCpu.stream().map(CpuPerEvent::streamThreadMicros).toList()),
                        median(perCommitCpu.stream().map(CpuPerEvent::streamThreadMicros).toList()),
                        median(perCommit) / median(floor));
                return;
            }
            for (int run = 1; run <= runs; run++) {
                plain.add(plainConsumer(kafka, topics, events));
                FloorResult noop = streamsFloor(kafka, topics, events, run, false);
                floor.add(noop.committed());
                floorInner.add(noop.firstToLast());
                floorCpu.add(noop.cpu());
                FloorResult oneWrite = streamsFloor(kafka, topics, events, run, true);
                floorWrite.add(oneWrite.committed());
                floorWriteCpu.add(oneWrite.cpu());
                RunResult every = meteringRun(kafka, events, run, "every-event");
                metering.add(every.rate());
                meteringCpu.add(every.cpu());
                RunResult commit = meteringRun(kafka, events, run, "per-commit");
                perCommit.add(commit.rate());
                perCommitCpu.add(commit.cpu());
                System.out.printf("run %d CPU us/event (stream thread / all app threads): floor no-op %.2f / %.2f;"
                        + " floor + one write %.2f / %.2f; metering every-event %.2f / %.2f; per-commit %.2f / %.2f%n",
                        run, noop.cpu().streamThreadMicros(), noop.cpu().appMicros(), oneWrite.cpu().streamThreadMicros(),
                        oneWrite.cpu().appMicros(), every.cpu().streamThreadMicros(), every.cpu().appMicros(),
                        commit.cpu().streamThreadMicros(), commit.cpu().appMicros());
                System.out.printf("run %d: plain consumer %.0f events/s; streams floor no-op %.0f events/s (first to"
                        + " last record %.0f); streams floor + one write %.0f events/s; metering (status every-event)"
                        + " %.0f events/s; metering (status per-commit) %.0f events/s%n", run, plain.getLast(),
                        floor.getLast(), floorInner.getLast(), floorWrite.getLast(), metering.getLast(),
                        perCommit.getLast());
            }
            double plainMedian = median(plain);
            double floorMedian = median(floor);
            System.out.printf("MEDIAN plain consumer %.0f events/s; streams floor no-op %.0f events/s (vs plain %.3f;"
                    + " first to last record %.0f, vs plain %.3f); streams floor + one write %.0f events/s (vs plain %.3f,"
                    + " vs floor %.3f)%n", plainMedian, floorMedian, floorMedian / plainMedian, median(floorInner),
                    median(floorInner) / plainMedian, median(floorWrite), median(floorWrite) / plainMedian,
                    median(floorWrite) / floorMedian);
            System.out.printf("MEDIAN metering every-event %.0f events/s (vs plain %.3f, vs floor %.3f); metering"
                    + " per-commit %.0f events/s (vs plain %.3f, vs floor %.3f)%n", median(metering),
                    median(metering) / plainMedian, median(metering) / floorMedian, median(perCommit),
                    median(perCommit) / plainMedian, median(perCommit) / floorMedian);
            System.out.printf("MEDIAN CPU us/event, stream thread (all app threads): floor no-op %.2f (%.2f); floor + one"
                    + " write %.2f (%.2f); metering every-event %.2f (%.2f); metering per-commit %.2f (%.2f)%n",
                    median(floorCpu.stream().map(CpuPerEvent::streamThreadMicros).toList()),
                    median(floorCpu.stream().map(CpuPerEvent::appMicros).toList()),
                    median(floorWriteCpu.stream().map(CpuPerEvent::streamThreadMicros).toList()),
                    median(floorWriteCpu.stream().map(CpuPerEvent::appMicros).toList()),
                    median(meteringCpu.stream().map(CpuPerEvent::streamThreadMicros).toList()),
                    median(meteringCpu.stream().map(CpuPerEvent::appMicros).toList()),
                    median(perCommitCpu.stream().map(CpuPerEvent::streamThreadMicros).toList()),
                    median(perCommitCpu.stream().map(CpuPerEvent::appMicros).toList()));
            // issue 14's measure: the full topology against the no-op exactly-once app, both in this run
            double floorThread = median(floorCpu.stream().map(CpuPerEvent::streamThreadMicros).toList());
            double everyThread = median(meteringCpu.stream().map(CpuPerEvent::streamThreadMicros).toList());
            double commitThread = median(perCommitCpu.stream().map(CpuPerEvent::streamThreadMicros).toList());
            System.out.printf("MEDIAN vs no-op EOS app: stream-thread CPU us/event metering every-event %.2f, per-commit"
                    + " %.2f, no-op %.2f (CPU ratio no-op/metering %.3f every-event, %.3f per-commit); throughput ratio"
                    + " metering/no-op %.3f every-event, %.3f per-commit%n", everyThread, commitThread, floorThread,
                    floorThread / everyThread, floorThread / commitThread, median(metering) / floorMedian,
                    median(perCommit) / floorMedian);
            if (lagPhase) {
                lag(kafka, topics, "every-event");
                lag(kafka, topics, "per-commit");
            }
        }
    }

    private static UsageEvent event(int i, long ts, String apiKey) {
        boolean request = i % 2 == 0;
        int call = i / 2;
        UsageEvent.Builder b = UsageEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setCallId("call-" + call)
                .setPhase(request ? Phase.REQUEST : Phase.RESPONSE).setTimestamp(Instant.ofEpochMilli(ts))
                .setApiKeyId(apiKey).setTenant("acme").setTeam("team-" + call % 7).setAgent("agent-" + call % 13)
                .setConversationId("conv-" + call % 500).setRequestedModel("m" + call % 3).setModel("m" + call % 3)
                .setReservedPromptTokens(60).setReservedCompletionTokens(40).setReservedTokens(100)
                // $3 per million tokens in and out: the costs are Cost's figures, as plausibility demands
                .setInputPriceMicrosPerMillion(3_000_000).setOutputPriceMicrosPerMillion(3_000_000)
                .setReservedCostMicros(300);
        if (!request) {
            b.setPromptTokens(60).setCompletionTokens(call % 50).setTotalTokens(60 + call % 50)
                    .setCostMicros(3L * (60 + call % 50)).setStatus(CallStatus.SUCCESS).setLatencyMs(100 + call % 900);
        }
        return b.build();
    }

    private static void produce(EmbeddedKafka kafka, Topics topics, int events) {
        Map<String, Object> props = producerProps(kafka);
        props.put("linger.ms", "5");
        props.put("batch.size", "65536");
        props.put("delivery.timeout.ms", "600000"); // a loaded machine must slow the run, not lose events
        long base = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
        java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
        try (KafkaProducer<String, UsageEvent> producer = new KafkaProducer<>(props, new StringSerializer(),
                topics.usage().valueSerde().serializer())) {
            for (int i = 0; i < events; i++) {
                // both phases of a call go to one key; event time advances 1 ms per event
                String key = "key-" + (i / 2) % KEYS;
                producer.send(new ProducerRecord<>(Topics.USAGE, key, event(i, base + i, key)), (meta, error) -> {
                    if (error != null) {
                        failed.compareAndSet(null, error);
                    }
                });
            }
        }
        if (failed.get() != null) {
            throw new IllegalStateException("producing the benchmark events failed", failed.get());
        }
    }

    private static Map<String, Object> producerProps(EmbeddedKafka kafka) {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("schema.registry.url", REGISTRY);
        props.put("acks", "all");
        props.put("enable.idempotence", "true");
        // one request in flight: a loaded broker otherwise answered a retried batch with an endless
        // OutOfOrderSequence loop once (sequence reset to 0 against an end sequence of 26999)
        props.put("max.in.flight.requests.per.connection", "1");
        return props;
    }

    /** The ceiling: a consumer that only deserializes every usage event. */
    private static double plainConsumer(EmbeddedKafka kafka, Topics topics, int events) {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("group.id", "plain-" + UUID.randomUUID());
        props.put("auto.offset.reset", "earliest");
        props.put("enable.auto.commit", "false");
        var deserializer = topics.usage().valueSerde().deserializer();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.USAGE));
            long read = 0;
            long tokens = 0;
            long start = 0;
            while (read < events) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (start == 0) {
                        start = System.nanoTime();
                    }
                    tokens += deserializer.deserialize(Topics.USAGE, r.value()).getReservedTokens();
                    read++;
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (tokens == 0) {
                throw new IllegalStateException("read nothing");
            }
            return read / seconds;
        }
    }

    /** Rate from RUNNING to input offsets committed at the end, and from the first to the last record processed. */
    private record FloorResult(double committed, double firstToLast, CpuPerEvent cpu) {
    }

    /** Events per second, and the CPU the application's threads spent per event. */
    private record RunResult(double rate, CpuPerEvent cpu) {
    }

    /** Microseconds of CPU per event: the stream thread's, and all the application's threads' (producer, consumer). */
    private record CpuPerEvent(double streamThreadMicros, double appMicros) {
    }

    /**
     * CPU time so far of one application's threads (their names start with the application id), so the cost per
     * event can be read apart from how many cores the rest of the machine left it: on this shared 2-core machine
     * the events/s figures follow the load average, CPU per event much less.
     */
    private record Cpu(long streamThreadNanos, long appNanos) {
        static Cpu of(String appId) {
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long stream = 0;
            long app = 0;
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (!t.getName().contains(appId)) {
                    continue;
                }
                long nanos = Math.max(0, mx.getThreadCpuTime(t.threadId()));
                app += nanos;
                if (t.getName().startsWith(appId) && t.getName().contains("StreamThread")
                        && !t.getName().contains("producer") && !t.getName().contains("consumer")) {
                    stream += nanos;
                }
            }
            return new Cpu(stream, app);
        }

        CpuPerEvent minus(Cpu before, int events) {
            return new CpuPerEvent((streamThreadNanos - before.streamThreadNanos) / 1e3 / events,
                    (appNanos - before.appNanos) / 1e3 / events);
        }
    }

    /**
     * The ceiling of any Streams topology here: the metering application's own Streams properties
     * (exactly_once_v2, commit interval, classic protocol, one producer request in flight) and the same Avro
     * value deserializer, over a topology that only deserializes each event (no store, no output) or, with
     * {@code write}, also sends one small record per event. Timed like {@link #meteringRun}.
     */
    private static FloorResult streamsFloor(EmbeddedKafka kafka, Topics topics, int events, int run, boolean write)
            throws Exception {
        String appId = "metering-bench-floor-" + (write ? "write-" : "") + run + "-"
                + UUID.randomUUID().toString().substring(0, 6);
        Path state = Files.createTempDirectory("metering-bench");
        Properties props = MeteringConfigLoader.fromMaps(Map.of("application.id", appId, "schema.registry.url", REGISTRY,
                "state.dir", state.toString(), "metering.create.topics", "false"),
                Map.of("bootstrap.servers", kafka.bootstrapServers())).streamsProperties();
        var deserializer = topics.usage().valueSerde().deserializer();
        AtomicLong first = new AtomicLong();
        AtomicLong last = new AtomicLong();
        AtomicLong tokens = new AtomicLong();
        StreamsBuilder builder = new StreamsBuilder();
        KStream<byte[], Long> deserialized = builder
                .stream(Topics.USAGE, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .process(() -> new ContextualProcessor<byte[], byte[], byte[], Long>() {
                    private long seen;

                    @Override
                    public void process(Record<byte[], byte[]> record) {
                        long reserved = deserializer.deserialize(Topics.USAGE, record.value()).getReservedTokens();
                        tokens.addAndGet(reserved);
                        long now = System.nanoTime();
                        first.compareAndSet(0, now);
                        last.set(now);
                        if (write) {
                            context().forward(record.withValue(reserved));
                        }
                    }
                });
        if (write) {
            deserialized.to(FLOOR_OUTPUT, Produced.with(Serdes.ByteArray(), Serdes.Long()));
        }
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props);
             Admin admin = Admin.create(kafka.adminProperties())) {
            streams.start();
            while (streams.state() != KafkaStreams.State.RUNNING) {
                LockSupport.parkNanos(10_000_000);
            }
            long start = System.nanoTime();
            Cpu cpu = Cpu.of(appId);
            Map<TopicPartition, Long> ends = endOffsets(admin);
            while (!caughtUp(admin, appId, ends)) {
                LockSupport.parkNanos(50_000_000);
            }
            double committed = events / ((System.nanoTime() - start) / 1e9);
            CpuPerEvent perEvent = Cpu.of(appId).minus(cpu, events);
            if (tokens.get() == 0) {
                throw new IllegalStateException("the floor topology read nothing");
            }
            return new FloorResult(committed, events / ((last.get() - first.get()) / 1e9), perEvent);
        }
    }

    /** One fresh application over all events; time from RUNNING to input offsets committed at the end. */
    private static RunResult meteringRun(EmbeddedKafka kafka, int events, int run, String statusMode) throws Exception {
        String appId = "metering-bench-" + run + "-" + UUID.randomUUID().toString().substring(0, 6);
        Path state = Files.createTempDirectory("metering-bench");
        try (MeteringApplication app = new MeteringApplication(MeteringConfigLoader.fromMaps(Map.of(
                "application.id", appId, "schema.registry.url", REGISTRY, "metering.http.host", "127.0.0.1",
                "metering.http.port", "0", "state.dir", state.toString(), "metering.create.topics", "false",
                "metering.status.emit", statusMode),
                Map.of("bootstrap.servers", kafka.bootstrapServers())));
             Admin admin = Admin.create(kafka.adminProperties())) {
            app.start();
            while (app.state() != KafkaStreams.State.RUNNING) {
                LockSupport.parkNanos(10_000_000); // never spin: the benchmark shares 2 cores with what it measures
            }
            Map<String, Long> written = writtenByTopic(admin);
            long start = System.nanoTime();
            Cpu cpu = Cpu.of(appId);
            Map<TopicPartition, Long> ends = endOffsets(admin);
            while (!caughtUp(admin, appId, ends)) {
                LockSupport.parkNanos(50_000_000); // a benchmark loop, not a test: polling the committed offsets
            }
            RunResult result = new RunResult(events / ((System.nanoTime() - start) / 1e9), Cpu.of(appId).minus(cpu, events));
            printRecordsPerEvent(admin, appId, statusMode, written, events);
            return result;
        }
    }

    /**
     * Records each topic received per input event during one run: the application's changelog and repartition
     * topics (named after it) and the shared output topics. From end offsets, so each transaction's commit markers
     * are included (one per partition written and commit, a few hundred per run against hundreds of thousands).
     */
    private static void printRecordsPerEvent(Admin admin, String appId, String statusMode, Map<String, Long> before,
                                             int events) throws Exception {
        Map<String, Long> after = writtenByTopic(admin);
        StringBuilder line = new StringBuilder();
        double total = 0;
        for (Map.Entry<String, Long> e : new java.util.TreeMap<>(after).entrySet()) {
            long delta = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            boolean ours = e.getKey().startsWith(appId) || e.getKey().startsWith("tollgate.");
            if (delta <= 0 || !ours || e.getKey().equals(Topics.USAGE)) {
                continue;
            }
            total += (double) delta / events;
            line.append(String.format("; %s %.2f", e.getKey().replace(appId + "-", ""), (double) delta / events));
        }
        System.out.printf("RECORDS per event (status %s): %.2f in all%s%n", statusMode, total, line);
    }

    /** End offsets summed per topic, every topic of the broker. */
    private static Map<String, Long> writtenByTopic(Admin admin) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (var description : admin.describeTopics(admin.listTopics().names().get()).allTopicNames().get().values()) {
            description.partitions().forEach(p -> request.put(new TopicPartition(description.name(), p.partition()),
                    OffsetSpec.latest()));
        }
        Map<String, Long> sums = new HashMap<>();
        for (var e : admin.listOffsets(request).all().get().entrySet()) {
            sums.merge(e.getKey().topic(), e.getValue().offset(), Long::sum);
        }
        return sums;
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            request.put(new TopicPartition(Topics.USAGE, p), OffsetSpec.latest());
        }
        ListOffsetsResult result = admin.listOffsets(request);
        Map<TopicPartition, Long> ends = new HashMap<>();
        for (TopicPartition tp : request.keySet()) {
            ends.put(tp, result.partitionResult(tp).get().offset());
        }
        return ends;
    }

    private static boolean caughtUp(Admin admin, String group, Map<TopicPartition, Long> ends) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        return ends.entrySet().stream().allMatch(e -> committed.get(e.getKey()) != null
                && committed.get(e.getKey()).offset() >= e.getValue());
    }

    /** The first and last of the slow events and how many, e.g. "12 from 403:1040 to 414:985". */
    private static String summarize(List<String> slow) {
        List<String> copy = new ArrayList<>(slow);
        copy.sort(java.util.Comparator.comparingInt(e -> Integer.parseInt(e.substring(0, e.indexOf(':')))));
        return copy.isEmpty() ? "none" : copy.size() + " from " + copy.getFirst() + " to " + copy.getLast();
    }

    /** Produce-to-quota-status lag: one event at a time at a steady pace, each on its own key. */
    private static void lag(EmbeddedKafka kafka, Topics topics, String statusMode) throws Exception {
        String appId = "metering-bench-lag-" + UUID.randomUUID().toString().substring(0, 6);
        Path state = Files.createTempDirectory("metering-bench");
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        Map<String, Integer> indexOf = new ConcurrentHashMap<>();
        List<Long> lags = Collections.synchronizedList(new ArrayList<>());
        List<String> slow = Collections.synchronizedList(new ArrayList<>());
        Map<String, Object> consumerProps = new HashMap<>();
        consumerProps.put("bootstrap.servers", kafka.bootstrapServers());
        consumerProps.put("group.id", "lag-" + UUID.randomUUID());
        consumerProps.put("auto.offset.reset", "latest");
        consumerProps.put("isolation.level", "read_committed");
        consumerProps.put("schema.registry.url", REGISTRY);
        int count = 2_000;
        try (MeteringApplication app = new MeteringApplication(MeteringConfigLoader.fromMaps(Map.of(
                "application.id", appId, "schema.registry.url", REGISTRY, "metering.http.host", "127.0.0.1",
                "metering.http.port", "0", "state.dir", state.toString(), "metering.create.topics", "false",
                "metering.status.emit", statusMode),
                // start at the end of the usage topic: only the paced events below are measured
                Map.of("bootstrap.servers", kafka.bootstrapServers(), "auto.offset.reset", "latest")));
             KafkaConsumer<String, QuotaStatus> consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(),
                     topics.quotaStatus().valueSerde().deserializer());
             KafkaProducer<String, UsageEvent> producer = new KafkaProducer<>(producerProps(kafka), new StringSerializer(),
                     topics.usage().valueSerde().serializer())) {
            app.start();
            consumer.subscribe(List.of(Topics.QUOTA_STATUS));
            while (app.state() != KafkaStreams.State.RUNNING || consumer.assignment().isEmpty()) {
                consumer.poll(Duration.ofMillis(100));
            }
            long warm = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < warm) {
                consumer.poll(Duration.ofMillis(100));
            }
            Thread reader = new Thread(() -> {
                while (lags.size() < count) {
                    for (ConsumerRecord<String, QuotaStatus> r : consumer.poll(Duration.ofMillis(50))) {
                        Long sent = sentAt.remove(r.key());
                        if (sent != null) {
                            long lag = System.nanoTime() - sent;
                            lags.add(lag);
                            if (lag > 250_000_000L) {
                                slow.add(indexOf.get(r.key()) + ":" + lag / 1_000_000);
                            }
                        }
                    }
                }
            }, "lag-reader");
            reader.setDaemon(true);
            reader.start();
            long next = System.nanoTime();
            for (int i = 0; i < count; i++) {
                String key = "lag-" + statusMode + "-" + i;
                UsageEvent e = event(0, System.currentTimeMillis(), key);
                indexOf.put(statusKey(key), i);
                sentAt.put(statusKey(key), System.nanoTime());
                producer.send(new ProducerRecord<>(Topics.USAGE, key, e));
                next += 5_000_000; // 200 events/s
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            reader.join(Duration.ofSeconds(60).toMillis());
        }
        List<Long> sorted = lags.stream().sorted().collect(Collectors.toList());
        System.out.printf("LAG (status %s) produce -> quota-status (read_committed), %d of %d events seen: p50 %.1f ms,"
                + " p99 %.1f ms, max %.1f ms; over 250 ms (event index:ms, 5 ms apart): %s%n", statusMode, sorted.size(), count,
                pct(sorted, 50), pct(sorted, 99), sorted.getLast() / 1e6, summarize(slow));
    }

    private static String statusKey(String apiKey) {
        return io.tollgate.policy.scope.Keys.quota(apiKey, io.tollgate.policy.scope.Keys.ALL_MODELS);
    }

    private static double pct(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1)) / 1e6;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
