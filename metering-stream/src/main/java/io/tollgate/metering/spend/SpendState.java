package io.tollgate.metering.spend;

import io.tollgate.policy.calendar.Periods;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.SpendTotal;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
        costByModel = Map.copyOf(costByModel);
        costByAgent = Map.copyOf(costByAgent);
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
                SpendDelta.merge(costByModel, d.costByModel()), SpendDelta.merge(costByAgent, d.costByAgent()),
                Math.max(lastEventTime, d.eventTime()), notes.plus(d.notes()), tenant);
    }

    public SpendTotal toAvro(long updatedAt) {
        return SpendTotal.newBuilder().setScopeType(scopeType).setScopeId(scopeId).setPeriod(period)
                .setPeriodKey(periodKey).setPeriodStartMillis(startMillis).setPeriodEndMillis(endMillis).setZone(zone)
                .setCostMicros(costMicros).setInFlightMicros(inFlightMicros).setRequests(requests)
                .setPromptTokens(promptTokens).setCompletionTokens(completionTokens)
                .setCostByModel(Map.copyOf(costByModel)).setCostByAgent(Map.copyOf(costByAgent))
                .setLastEventTime(lastEventTime).setUpdatedAt(updatedAt)
                .setAbandonedCalls(notes.abandonedCalls()).setAbandonedMicros(notes.abandonedMicros())
                .setOrphanResponses(notes.orphanResponses()).setLateReassigned(notes.lateReassigned())
                .setClampedEvents(notes.clampedEvents()).setTenant(tenant).build();
    }

    public static Serde<SpendState> serde() {
        return Serdes.serdeFrom((topic, v) -> v == null ? null : write(v), (topic, data) -> data == null ? null : read(data));
    }

    private static byte[] write(SpendState v) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(v.scopeType.ordinal());
            out.writeUTF(v.scopeId);
            out.writeByte(v.period.ordinal());
            out.writeUTF(v.periodKey);
            out.writeLong(v.startMillis);
            out.writeLong(v.endMillis);
            out.writeUTF(v.zone);
            for (long n : new long[] {v.costMicros, v.inFlightMicros, v.requests, v.promptTokens, v.completionTokens,
                    v.lastEventTime}) {
                out.writeLong(n);
            }
            writeMap(out, v.costByModel);
            writeMap(out, v.costByAgent);
            for (long n : v.notes.toArray()) {
                out.writeLong(n);
            }
            out.writeUTF(v.tenant);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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

    private static void writeMap(DataOutputStream out, Map<String, Long> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, Long> entry : map.entrySet()) {
            out.writeUTF(entry.getKey());
            out.writeLong(entry.getValue());
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
