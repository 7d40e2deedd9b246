package io.tollgate.metering.spend;

import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.schemas.avro.UsageEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * What counted events change in a scope's spend within one tenant and one day: the value of the spend
 * repartition topic. One event's delta ({@link #of}) or the sum of several of the same scope, tenant and day
 * ({@link #plus}), so the ingest side writes one record per (scope, day) per emit interval instead of one per
 * scope per event.
 *
 * @param periodTime the instant whose day/month the change is attributed to (the latest of the summed events;
 *                   they share the day by construction, so also the month)
 * @param eventTime the latest event time summed
 * @param costByModel cost per model of the summed events; a model appears when one of its events had a
 *                    non-zero cost, even if the sum is 0 (as adding those events one by one would leave it)
 * @param costByAgent the same per agent
 */
public record SpendDelta(String tenant, long periodTime, long eventTime, long costMicros, long inFlightMicros,
                         long requests, long promptTokens, long completionTokens, Map<String, Long> costByModel,
                         Map<String, Long> costByAgent) {

    /** First byte of the current encoding; the first encoding began with the tenant's length, so with 0. */
    private static final byte FORMAT_SUMMED = 1;

    public SpendDelta {
        costByModel = Map.copyOf(costByModel);
        costByAgent = Map.copyOf(costByAgent);
    }

    public static SpendDelta of(MeteredEvent m) {
        UsageEvent e = m.event();
        boolean request = m.isRequest();
        long cost = m.costDelta();
        return new SpendDelta(e.getTenant(), m.periodTime(), e.getTimestamp().toEpochMilli(), cost, m.inFlightDelta(),
                m.requestDelta(),
                request ? e.getReservedPromptTokens() : e.getPromptTokens() - e.getReservedPromptTokens(),
                request ? e.getReservedCompletionTokens() : e.getCompletionTokens() - e.getReservedCompletionTokens(),
                cost == 0 ? Map.of() : Map.of(e.getModel(), cost), cost == 0 ? Map.of() : Map.of(e.getAgent(), cost));
    }

    /** The sum of this and {@code other}, which must be of the same scope, tenant and day. */
    public SpendDelta plus(SpendDelta other) {
        if (!tenant.equals(other.tenant)) {
            throw new IllegalArgumentException("cannot add spend of tenant " + other.tenant + " to tenant " + tenant
                    + "; expected the same tenant");
        }
        return new SpendDelta(tenant, Math.max(periodTime, other.periodTime), Math.max(eventTime, other.eventTime),
                costMicros + other.costMicros, inFlightMicros + other.inFlightMicros, requests + other.requests,
                promptTokens + other.promptTokens, completionTokens + other.completionTokens,
                merge(costByModel, other.costByModel), merge(costByAgent, other.costByAgent));
    }

    /** Adds every entry of {@code b} to {@code a}, keeping entries that sum to 0. */
    static Map<String, Long> merge(Map<String, Long> a, Map<String, Long> b) {
        if (b.isEmpty()) {
            return a;
        }
        Map<String, Long> sum = new TreeMap<>(a);
        b.forEach((name, amount) -> sum.merge(name, amount, Long::sum));
        return sum;
    }

    public static Serde<SpendDelta> serde() {
        return Serdes.serdeFrom((topic, d) -> d == null ? null : write(d), (topic, data) -> {
            if (data == null) {
                return null;
            }
            ByteBuffer in = ByteBuffer.wrap(data);
            return data.length > 0 && data[0] == FORMAT_SUMMED ? readSummed(in) : readSingle(in);
        });
    }

    private static byte[] write(SpendDelta d) {
        byte[] tenant = d.tenant.getBytes(StandardCharsets.UTF_8);
        int size = 1 + 4 + tenant.length + 7 * 8 + mapSize(d.costByModel) + mapSize(d.costByAgent);
        ByteBuffer out = ByteBuffer.allocate(size).put(FORMAT_SUMMED).putInt(tenant.length).put(tenant)
                .putLong(d.periodTime).putLong(d.eventTime).putLong(d.costMicros).putLong(d.inFlightMicros)
                .putLong(d.requests).putLong(d.promptTokens).putLong(d.completionTokens);
        putMap(out, d.costByModel);
        putMap(out, d.costByAgent);
        return out.array();
    }

    private static SpendDelta readSummed(ByteBuffer in) {
        in.get();
        String tenant = string(in);
        long periodTime = in.getLong();
        long eventTime = in.getLong();
        long cost = in.getLong();
        long inFlight = in.getLong();
        long requests = in.getLong();
        long prompt = in.getLong();
        long completion = in.getLong();
        return new SpendDelta(tenant, periodTime, eventTime, cost, inFlight, requests, prompt, completion, map(in),
                map(in));
    }

    /** The first encoding (one event: tenant, model, agent, then seven numbers), still in a repartition topic after an upgrade. */
    private static SpendDelta readSingle(ByteBuffer in) {
        String tenant = string(in);
        String model = string(in);
        String agent = string(in);
        long periodTime = in.getLong();
        long eventTime = in.getLong();
        long cost = in.getLong();
        return new SpendDelta(tenant, periodTime, eventTime, cost, in.getLong(), in.getLong(), in.getLong(),
                in.getLong(), cost == 0 ? Map.of() : Map.of(model, cost), cost == 0 ? Map.of() : Map.of(agent, cost));
    }

    private static int mapSize(Map<String, Long> map) {
        int size = 4;
        for (String name : map.keySet()) {
            size += 4 + name.getBytes(StandardCharsets.UTF_8).length + 8;
        }
        return size;
    }

    private static void putMap(ByteBuffer out, Map<String, Long> map) {
        out.putInt(map.size());
        map.forEach((name, amount) -> {
            byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
            out.putInt(bytes.length).put(bytes).putLong(amount);
        });
    }

    private static Map<String, Long> map(ByteBuffer in) {
        int n = in.getInt();
        Map<String, Long> map = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            map.put(string(in), in.getLong());
        }
        return map;
    }

    private static String string(ByteBuffer in) {
        byte[] bytes = new byte[in.getInt()];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
