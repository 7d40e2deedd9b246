package io.tollgate.metering.spend;

import io.tollgate.schemas.serde.RepeatedStrings;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * What counted events change in a scope's spend within one tenant and one quarter hour: the value of the spend
 * repartition topic, the sum of the events of one emit interval of the same scope, tenant and quarter hour
 * ({@link SpendSlice.Accumulator}), so the ingest side writes one record per scope and quarter hour per emit interval
 * instead of one per scope per event.
 *
 * @param periodTime the instant whose periods the change is attributed to (the latest of the summed events; they
 *                   share a quarter hour, and no period of any calendar begins inside one, so they share every period)
 * @param eventTime the latest event time summed
 * @param costByModel cost per model of the summed events; a model appears when one of its events had a
 *                    non-zero cost, even if the sum is 0 (as adding those events one by one would leave it)
 * @param costByAgent the same per agent
 * @param notes abandoned, orphan, reassigned and clamped events summed
 */
public record SpendDelta(String tenant, long periodTime, long eventTime, long costMicros, long inFlightMicros,
                         long requests, long promptTokens, long completionTokens, Map<String, Long> costByModel,
                         Map<String, Long> costByAgent, SpendNotes notes) {

    /** First byte of the encoding. */
    private static final byte FORMAT = 4;
    /**
     * The tenant, model and agent names of deltas read, decoded once and shared: the same few repeat on every delta,
     * and a shared name is found in a total's costs by identity.
     */
    private static final RepeatedStrings NAMES = new RepeatedStrings(1_024);

    public SpendDelta {
        costByModel = Costs.copyOf(costByModel);
        costByAgent = Costs.copyOf(costByAgent);
    }

    public static Serde<SpendDelta> serde() {
        return Serdes.serdeFrom((topic, d) -> d == null ? null : write(d), (topic, data) -> {
            if (data == null) {
                return null;
            }
            if (data.length == 0 || data[0] != FORMAT) {
                throw new IllegalArgumentException("spend delta of " + data.length + " bytes does not start with format "
                        + FORMAT);
            }
            return read(ByteBuffer.wrap(data, 1, data.length - 1));
        });
    }

    private static byte[] write(SpendDelta d) {
        byte[] tenant = d.tenant.getBytes(StandardCharsets.UTF_8);
        // each name encoded once, for both the size and the bytes
        byte[][] models = names(d.costByModel);
        byte[][] agents = names(d.costByAgent);
        int size = 1 + 4 + tenant.length + 7 * 8 + mapSize(models) + mapSize(agents) + SpendNotes.COUNT * 8;
        ByteBuffer out = ByteBuffer.allocate(size).put(FORMAT).putInt(tenant.length).put(tenant)
                .putLong(d.periodTime).putLong(d.eventTime).putLong(d.costMicros).putLong(d.inFlightMicros)
                .putLong(d.requests).putLong(d.promptTokens).putLong(d.completionTokens);
        putMap(out, d.costByModel, models);
        putMap(out, d.costByAgent, agents);
        SpendNotes n = d.notes;
        return out.putLong(n.abandonedCalls()).putLong(n.abandonedMicros()).putLong(n.orphanResponses())
                .putLong(n.lateReassigned()).putLong(n.clampedEvents()).array();
    }

    private static SpendDelta read(ByteBuffer in) {
        String tenant = string(in);
        long periodTime = in.getLong();
        long eventTime = in.getLong();
        long cost = in.getLong();
        long inFlight = in.getLong();
        long requests = in.getLong();
        long prompt = in.getLong();
        long completion = in.getLong();
        Map<String, Long> byModel = map(in);
        Map<String, Long> byAgent = map(in);
        long[] n = new long[SpendNotes.COUNT];
        for (int i = 0; i < n.length; i++) {
            n[i] = in.getLong();
        }
        return new SpendDelta(tenant, periodTime, eventTime, cost, inFlight, requests, prompt, completion, byModel,
                byAgent, SpendNotes.fromArray(n, 0));
    }

    /** The map's names encoded, in its iteration order. */
    private static byte[][] names(Map<String, Long> map) {
        byte[][] names = new byte[map.size()][];
        int i = 0;
        for (Map.Entry<String, Long> entry : map.entrySet()) {
            names[i++] = entry.getKey().getBytes(StandardCharsets.UTF_8);
        }
        return names;
    }

    private static int mapSize(byte[][] names) {
        int size = 4;
        for (byte[] name : names) {
            size += 4 + name.length + 8;
        }
        return size;
    }

    /** Writes the map in its iteration order, the order {@code names} were encoded in. */
    private static void putMap(ByteBuffer out, Map<String, Long> map, byte[][] names) {
        out.putInt(names.length);
        int i = 0;
        for (Map.Entry<String, Long> entry : map.entrySet()) {
            byte[] name = names[i++];
            out.putInt(name.length).put(name).putLong(entry.getValue());
        }
    }

    /** Read straight into the costs a total adds: no map built to be copied. */
    private static Costs map(ByteBuffer in) {
        int n = in.getInt();
        if (n < 0 || n > in.remaining() / (4 + 8)) {
            throw new IllegalArgumentException("spend delta names " + n + " costs in its " + in.remaining()
                    + " bytes left; each takes at least 12");
        }
        String[] names = new String[n];
        long[] amounts = new long[n];
        for (int i = 0; i < n; i++) {
            names[i] = string(in);
            amounts[i] = in.getLong();
        }
        return Costs.of(names, amounts);
    }

    private static String string(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("spend delta names a string of " + length + " bytes with "
                    + in.remaining() + " bytes left");
        }
        String s = NAMES.get(in.array(), in.arrayOffset() + in.position(), length);
        in.position(in.position() + length);
        return s;
    }
}
