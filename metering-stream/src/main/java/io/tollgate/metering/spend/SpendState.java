package io.tollgate.metering.spend;

import io.tollgate.policy.calendar.Periods;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.SpendTotal;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Running spend of one scope in one period; integer micro-dollars throughout, every sum overflow-checked (an
 * addition that would overflow throws {@link ArithmeticException} and leaves the state as it was).
 *
 * @param zone   the zone of the scope's calendar the period was computed in
 * @param tenant the tenant of the usage: with the scope's budget, its calendar decides the period
 */
public record SpendState(ScopeType scopeType, String scopeId, PeriodType period, String periodKey, long startMillis,
                         long endMillis, String zone, long costMicros, long inFlightMicros, long requests,
                         long promptTokens, long completionTokens, Map<String, Long> costByModel,
                         Map<String, Long> costByAgent, long lastEventTime, SpendNotes notes, String tenant) {

    public SpendState {
        costByModel = Costs.copyOf(costByModel);
        costByAgent = Costs.copyOf(costByAgent);
    }

    public static SpendState empty(ScopeType scopeType, String scopeId, Periods.Period period, String zone, String tenant) {
        return new SpendState(scopeType, scopeId, period.type(), period.key(), period.startMillis(), period.endMillis(),
                zone, 0, 0, 0, 0, 0, Map.of(), Map.of(), 0, SpendNotes.NONE, tenant);
    }

    /** Adds REQUEST reservations and RESPONSE corrections (which also close their reservations), summed or single. */
    public SpendState add(SpendDelta d) {
        return new SpendState(scopeType, scopeId, period, periodKey, startMillis, endMillis, zone,
                Math.addExact(costMicros, d.costMicros()), Math.addExact(inFlightMicros, d.inFlightMicros()),
                Math.addExact(requests, d.requests()), Math.addExact(promptTokens, d.promptTokens()),
                Math.addExact(completionTokens, d.completionTokens()),
                Costs.copyOf(costByModel).plus(d.costByModel()), Costs.copyOf(costByAgent).plus(d.costByAgent()),
                Math.max(lastEventTime, d.eventTime()), notes.plus(d.notes()), tenant);
    }

    public SpendTotal toAvro(long updatedAt) {
        return SpendTotal.newBuilder().setScopeType(scopeType).setScopeId(scopeId).setPeriod(period)
                .setPeriodKey(periodKey).setPeriodStartMillis(startMillis).setPeriodEndMillis(endMillis).setZone(zone)
                .setCostMicros(costMicros).setInFlightMicros(inFlightMicros).setRequests(requests)
                .setPromptTokens(promptTokens).setCompletionTokens(completionTokens)
                .setCostByModel(costByModel).setCostByAgent(costByAgent)
                .setLastEventTime(lastEventTime).setUpdatedAt(updatedAt)
                .setAbandonedCalls(notes.abandonedCalls()).setAbandonedMicros(notes.abandonedMicros())
                .setOrphanResponses(notes.orphanResponses()).setLateReassigned(notes.lateReassigned())
                .setClampedEvents(notes.clampedEvents()).setTenant(tenant).build();
    }

    public static Serde<SpendState> serde() {
        return Serdes.serdeFrom((topic, v) -> v == null ? null : write(v), (topic, data) -> data == null ? null : read(data));
    }

    /**
     * The layout {@link DataOutputStream} writes (strings in its modified UTF-8, {@link #read} reads them back with
     * {@link DataInputStream#readUTF}), put straight into an array of the exact size: the spend store writes every
     * changed total at each commit.
     */
    private static byte[] write(SpendState v) {
        int size = 1 + utfSize(v.scopeId) + 1 + utfSize(v.periodKey) + 2 * 8 + utfSize(v.zone) + 6 * 8
                + mapSize(v.costByModel) + mapSize(v.costByAgent) + SpendNotes.COUNT * 8 + utfSize(v.tenant);
        ByteBuffer out = ByteBuffer.allocate(size).put((byte) v.scopeType.ordinal());
        putUtf(out, v.scopeId);
        out.put((byte) v.period.ordinal());
        putUtf(out, v.periodKey);
        out.putLong(v.startMillis).putLong(v.endMillis);
        putUtf(out, v.zone);
        out.putLong(v.costMicros).putLong(v.inFlightMicros).putLong(v.requests).putLong(v.promptTokens)
                .putLong(v.completionTokens).putLong(v.lastEventTime);
        putMap(out, v.costByModel);
        putMap(out, v.costByAgent);
        SpendNotes n = v.notes;
        out.putLong(n.abandonedCalls()).putLong(n.abandonedMicros()).putLong(n.orphanResponses())
                .putLong(n.lateReassigned()).putLong(n.clampedEvents());
        putUtf(out, v.tenant);
        return out.array();
    }

    /** {@code map} is one of a total's, so {@link Costs}: read by position, no entries made. */
    private static int mapSize(Map<String, Long> map) {
        Costs costs = Costs.copyOf(map);
        int size = 4;
        for (int i = 0; i < costs.size(); i++) {
            size += utfSize(costs.name(i)) + 8;
        }
        return size;
    }

    private static void putMap(ByteBuffer out, Map<String, Long> map) {
        Costs costs = Costs.copyOf(map);
        out.putInt(costs.size());
        for (int i = 0; i < costs.size(); i++) {
            putUtf(out, costs.name(i));
            out.putLong(costs.amount(i));
        }
    }

    /** The length prefix and the modified UTF-8 bytes; throws, as writeUTF does, past 65,535 bytes. */
    private static int utfSize(String s) {
        int bytes = s.length();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80 || c == 0) {
                bytes += c >= 0x800 ? 2 : 1;
            }
        }
        if (bytes > 65_535) {
            throw new UncheckedIOException(new UTFDataFormatException("a spend total's string of " + s.length()
                    + " characters (starting '" + s.substring(0, 8) + "') encodes to " + bytes
                    + " bytes; at most 65535 are stored"));
        }
        return 2 + bytes;
    }

    private static void putUtf(ByteBuffer out, String s) {
        int start = out.position();
        out.putShort((short) 0);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x01 && c < 0x80) {
                out.put((byte) c);
            } else if (c < 0x800) {
                out.put((byte) (0xC0 | c >> 6 & 0x1F)).put((byte) (0x80 | c & 0x3F));
            } else {
                out.put((byte) (0xE0 | c >> 12 & 0x0F)).put((byte) (0x80 | c >> 6 & 0x3F)).put((byte) (0x80 | c & 0x3F));
            }
        }
        out.putShort(start, (short) (out.position() - start - 2));
    }

    private static SpendState read(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            ScopeType scope = ScopeType.values()[in.readByte()];
            String id = in.readUTF();
            PeriodType period = PeriodType.values()[in.readByte()];
            String key = in.readUTF();
            long start = in.readLong();
            long end = in.readLong();
            String zone = in.readUTF();
            long cost = in.readLong();
            long inFlight = in.readLong();
            long requests = in.readLong();
            long prompt = in.readLong();
            long completion = in.readLong();
            long last = in.readLong();
            Map<String, Long> byModel = readMap(in);
            Map<String, Long> byAgent = readMap(in);
            long[] n = new long[SpendNotes.COUNT];
            for (int i = 0; i < n.length; i++) {
                n[i] = in.readLong();
            }
            String tenant = in.readUTF();
            return new SpendState(scope, id, period, key, start, end, zone, cost, inFlight, requests, prompt, completion,
                    byModel, byAgent, last, SpendNotes.fromArray(n, 0), tenant);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Long> readMap(DataInputStream in) throws IOException {
        int n = in.readInt();
        Map<String, Long> map = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            map.put(in.readUTF(), in.readLong());
        }
        return map;
    }
}
