package io.tollgate.schemas.bench;

import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import io.tollgate.schemas.serde.AvroDeserializer;
import io.tollgate.schemas.serde.AvroSerializer;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import org.apache.avro.Schema;

/**
 * Thread CPU and bytes allocated per {@code UsageEvent} deserialize, the same events read two ways in one JVM:
 * written with today's schema (the hand-written {@code UsageEventReader}) and with today's schema plus one
 * defaulted int at the end (Avro's resolving reader, as for any other writer schema). The events are
 * MeteringBenchmark's: 200 API keys, 7 teams, 13 agents, 500 conversations, 3 models, a random UUID per event.
 * Not a test. Args: rounds (default 10), each 25 passes over 20,000 events per path; the first rounds are warm-up.
 * <pre>mvn -B -q -o -pl schemas exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.tollgate.schemas.bench.UsageDecodeBenchmark</pre>
 */
public final class UsageDecodeBenchmark {

    private static final int EVENTS = 20_000;
    private static final int PASSES = 25;

    private UsageDecodeBenchmark() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry("mock://usage-decode-benchmark");
        AvroSerializer<UsageEvent> serializer = new AvroSerializer<>(registry, false, true);
        Schema longer = new Schema.Parser().parse(UsageEvent.getClassSchema().toString()
                .replaceFirst("]}$", ",{\"name\":\"benchmarkOnly\",\"type\":\"int\",\"default\":0}]}"));
        int longerId = registry.register("usage-decode-benchmark-longer", longer);
        byte[][] exact = new byte[EVENTS][];
        byte[][] resolving = new byte[EVENTS][];
        long base = System.currentTimeMillis();
        for (int i = 0; i < EVENTS; i++) {
            exact[i] = serializer.serialize(Topics.USAGE, event(i, base + i, "key-" + i % 200));
            // the same payload with the extra int (0 encodes as one zero byte) under the longer schema's id
            resolving[i] = Arrays.copyOf(exact[i], exact[i].length + 1);
            ByteBuffer.wrap(resolving[i], 1, 4).putInt(longerId);
        }
        AvroDeserializer<UsageEvent> deserializer = new AvroDeserializer<>(UsageEvent.class, registry);
        for (int round = 1; round <= rounds; round++) {
            String fast = measure(deserializer, exact);
            String slow = measure(deserializer, resolving);
            System.out.println("round " + round + ": exact schema (UsageEventReader) " + fast
                    + "; other schema (resolving reader) " + slow);
        }
    }

    private static String measure(AvroDeserializer<UsageEvent> deserializer, byte[][] records) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long cpu = threads.getCurrentThreadCpuTime();
        long allocated = threads.getCurrentThreadAllocatedBytes();
        long check = 0;
        for (int pass = 0; pass < PASSES; pass++) {
            for (byte[] record : records) {
                check += deserializer.deserialize(Topics.USAGE, record).getTotalTokens();
            }
        }
        double reads = (double) PASSES * records.length;
        return String.format("%.0f ns CPU, %.0f B allocated per event (check %d)",
                (threads.getCurrentThreadCpuTime() - cpu) / reads,
                (threads.getCurrentThreadAllocatedBytes() - allocated) / reads, check);
    }

    private static UsageEvent event(int i, long timestamp, String apiKey) {
        boolean request = i % 2 == 0;
        int call = i / 2;
        UsageEvent.Builder b = UsageEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setCallId("call-" + call)
                .setPhase(request ? Phase.REQUEST : Phase.RESPONSE).setTimestamp(Instant.ofEpochMilli(timestamp))
                .setGatewayId("gateway-1").setProvider("sim").setPriceSource("config")
                .setApiKeyId(apiKey).setTenant("acme").setTeam("team-" + call % 7).setAgent("agent-" + call % 13)
                .setConversationId("conv-" + call % 500).setRequestedModel("m" + call % 3).setModel("m" + call % 3)
                .setReservedPromptTokens(60).setReservedCompletionTokens(40).setReservedTokens(100)
                .setInputPriceMicrosPerMillion(3_000_000).setOutputPriceMicrosPerMillion(3_000_000)
                .setReservedCostMicros(300);
        if (!request) {
            b.setPromptTokens(60).setCompletionTokens(call % 50).setTotalTokens(60 + call % 50)
                    .setCostMicros(3L * (60 + call % 50)).setStatus(CallStatus.SUCCESS).setLatencyMs(100 + call % 900);
        }
        return b.build();
    }
}
