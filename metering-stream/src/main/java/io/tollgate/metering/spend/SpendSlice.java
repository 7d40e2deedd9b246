package io.tollgate.metering.spend;

import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.UsageEvent;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the events of one emit interval add to spend, summed per slice: the events that share tenant, day,
 * team, agent, API key, conversation and model, and so every spend scope they count in. One store read and
 * write per event instead of one per scope; the scopes are expanded once per slice when the interval is
 * flushed ({@link Accumulator}). Slice keys begin with {@value #KEY_MARK}, which no key of the earlier
 * per-scope format (beginning with the tenant's length) does, so entries written before an upgrade are still
 * told apart. The value is thirteen longs behind a format byte (no maps, no strings); slices of the earlier
 * format (eight longs, no {@link SpendNotes}) are still read. Every sum is overflow-checked: an event that would
 * overflow its slice is refused ({@link ArithmeticException}) and the slice is left as it was.
 */
public final class SpendSlice {

    public static final char KEY_MARK = '#';
    private static final byte FORMAT = 3; // SpendDelta's encodings start with 0, 1 or 4
    private static final byte FORMAT_UNNOTED = 2;
    private static final int LONGS = 8 + SpendNotes.COUNT;
    private static final int SIZE = 1 + LONGS * 8;
    private static final int SIZE_UNNOTED = 1 + 8 * 8;

    private static final int PERIOD_TIME = 0;
    private static final int EVENT_TIME = 1;
    private static final int COST = 2;
    private static final int IN_FLIGHT = 3;
    private static final int REQUESTS = 4;
    private static final int PROMPT = 5;
    private static final int COMPLETION = 6;
    private static final int PRICED_EVENTS = 7;
    private static final int NOTES = 8;

    private SpendSlice() {
    }

    /** True for a key written by {@link #keyOf}, false for a per-scope key of the earlier format. */
    public static boolean isSliceKey(String key) {
        return !key.isEmpty() && key.charAt(0) == KEY_MARK;
    }

    /** Store key: each field length-prefixed, so any characters in names are unambiguous. */
    public static String keyOf(UsageEvent e, String day) {
        StringBuilder b = new StringBuilder(96).append(KEY_MARK);
        for (String field : new String[] {e.getTenant(), day, e.getTeam(), e.getAgent(), e.getApiKeyId(),
                e.getConversationId() == null ? "" : e.getConversationId(), e.getModel()}) {
            b.append(field.length()).append(':').append(field);
        }
        return b.toString();
    }

    /** The sums of one event, or {@code previous} (encoded, may be null) plus this event; overflow-checked. */
    public static byte[] add(byte[] previous, MeteredEvent m) {
        long[] v = previous == null ? new long[LONGS] : decode(previous, "the previous value");
        if (previous == null) {
            v[PERIOD_TIME] = Long.MIN_VALUE;
            v[EVENT_TIME] = Long.MIN_VALUE;
        }
        long cost = m.costDelta();
        v[PERIOD_TIME] = Math.max(v[PERIOD_TIME], m.periodTime());
        v[EVENT_TIME] = Math.max(v[EVENT_TIME], m.event().getTimestamp().toEpochMilli());
        v[COST] = Math.addExact(v[COST], cost);
        v[IN_FLIGHT] = Math.addExact(v[IN_FLIGHT], m.inFlightDelta());
        v[REQUESTS] = Math.addExact(v[REQUESTS], m.requestDelta());
        v[PROMPT] = Math.addExact(v[PROMPT], m.promptDelta());
        v[COMPLETION] = Math.addExact(v[COMPLETION], m.completionDelta());
        // a model (agent) is listed once one of its events had a cost, even if the costs then sum to 0
        v[PRICED_EVENTS] = Math.addExact(v[PRICED_EVENTS], cost == 0 ? 0 : 1);
        long[] notes = SpendNotes.of(m).toArray();
        for (int i = 0; i < notes.length; i++) {
            v[NOTES + i] = Math.addExact(v[NOTES + i], notes[i]);
        }
        ByteBuffer out = ByteBuffer.allocate(SIZE).put(FORMAT);
        for (long n : v) {
            out.putLong(n);
        }
        return out.array();
    }

    private static long[] decode(byte[] sums, String what) {
        boolean noted = sums.length == SIZE && sums[0] == FORMAT;
        boolean unnoted = sums.length == SIZE_UNNOTED && sums[0] == FORMAT_UNNOTED;
        if (!noted && !unnoted) {
            throw new IllegalArgumentException("spend slice " + what + " holds " + sums.length + " bytes of format "
                    + (sums.length == 0 ? "none" : sums[0]) + "; expected " + SIZE + " bytes of format " + FORMAT
                    + " or " + SIZE_UNNOTED + " of format " + FORMAT_UNNOTED);
        }
        long[] v = new long[LONGS];
        ByteBuffer in = ByteBuffer.wrap(sums, 1, sums.length - 1);
        for (int i = 0; in.hasRemaining(); i++) {
            v[i] = in.getLong();
        }
        return v;
    }

    /**
     * Sums slices, and deltas of the earlier per-scope format, into one {@link SpendDelta} per (scope, tenant,
     * day): what the pre-aggregation forwards, exactly what adding the events one by one would give. A slice that
     * would overflow a sum is not taken ({@link #tryAdd} answers false): the caller sends what it holds and starts
     * a new accumulator with it, so no sum ever wraps and none is lost.
     */
    public static final class Accumulator {
        private final Map<String, Sum> byScope = new TreeMap<>();

        /** Adds a slice read back from the store: its key ({@link #keyOf}) and sums; false if a sum would overflow. */
        public boolean tryAdd(String key, byte[] sums) {
            long[] v = decode(sums == null ? new byte[0] : sums, "'" + key + "'");
            List<String> f = fields(key);
            String tenant = f.get(0);
            String day = f.get(1);
            List<String> scopes = new ArrayList<>(5);
            scopes.add(Keys.scope(ScopeType.TENANT, tenant));
            scopes.add(Keys.scope(ScopeType.TEAM, f.get(2)));
            scopes.add(Keys.scope(ScopeType.AGENT, f.get(3)));
            scopes.add(Keys.scope(ScopeType.API_KEY, f.get(4)));
            if (!f.get(5).isEmpty()) {
                scopes.add(Keys.scope(ScopeType.CONVERSATION, f.get(5)));
            }
            SpendDelta delta = new SpendDelta(tenant, v[PERIOD_TIME], v[EVENT_TIME], v[COST], v[IN_FLIGHT], v[REQUESTS],
                    v[PROMPT], v[COMPLETION], v[PRICED_EVENTS] > 0 ? Map.of(f.get(6), v[COST]) : Map.of(),
                    v[PRICED_EVENTS] > 0 ? Map.of(f.get(3), v[COST]) : Map.of(), SpendNotes.fromArray(v, NOTES));
            return tryAdd(scopes, day, delta);
        }

        /** Adds a delta of the earlier per-scope format, still in the store after an upgrade; false on overflow. */
        public boolean tryAdd(String scope, String day, SpendDelta d) {
            return tryAdd(List.of(scope), day, d);
        }

        private boolean tryAdd(List<String> scopes, String day, SpendDelta d) {
            Map<String, SpendDelta> next = new HashMap<>();
            try {
                for (String scope : scopes) {
                    String key = scopeKey(scope, d.tenant(), day);
                    Sum s = byScope.get(key);
                    next.put(key, s == null ? d : plus(s.delta, d));
                }
            } catch (ArithmeticException overflow) {
                return false;
            }
            for (String scope : scopes) {
                String key = scopeKey(scope, d.tenant(), day);
                byScope.computeIfAbsent(key, k -> new Sum(scope)).delta = next.get(key);
            }
            return true;
        }

        public boolean isEmpty() {
            return byScope.isEmpty();
        }

        /** Scope ({@code team:acme}) and summed delta, in a stable order. */
        public List<Map.Entry<String, SpendDelta>> deltas() {
            List<Map.Entry<String, SpendDelta>> out = new ArrayList<>(byScope.size());
            for (Sum s : byScope.values()) {
                out.add(Map.entry(s.scope, s.delta));
            }
            return out;
        }

        private static SpendDelta plus(SpendDelta a, SpendDelta b) {
            return new SpendDelta(a.tenant(), Math.max(a.periodTime(), b.periodTime()),
                    Math.max(a.eventTime(), b.eventTime()), Math.addExact(a.costMicros(), b.costMicros()),
                    Math.addExact(a.inFlightMicros(), b.inFlightMicros()), Math.addExact(a.requests(), b.requests()),
                    Math.addExact(a.promptTokens(), b.promptTokens()),
                    Math.addExact(a.completionTokens(), b.completionTokens()),
                    SpendDelta.merge(a.costByModel(), b.costByModel()), SpendDelta.merge(a.costByAgent(), b.costByAgent()),
                    a.notes().plus(b.notes()));
        }

        private static String scopeKey(String scope, String tenant, String day) {
            return tenant.length() + "/" + tenant + day + "/" + scope;
        }

        private static final class Sum {
            final String scope;
            SpendDelta delta;

            Sum(String scope) {
                this.scope = scope;
            }
        }
    }

    /** The seven fields of a slice key: tenant, day, team, agent, API key, conversation ("" if none), model. */
    public static List<String> fields(String key) {
        if (!isSliceKey(key)) {
            throw new IllegalArgumentException("'" + key + "' is not a spend slice key; expected one starting with '"
                    + KEY_MARK + "'");
        }
        List<String> fields = new ArrayList<>(7);
        int i = 1;
        while (i < key.length()) {
            int colon = key.indexOf(':', i);
            int length = Integer.parseInt(key, i, colon, 10);
            fields.add(key.substring(colon + 1, colon + 1 + length));
            i = colon + 1 + length;
        }
        if (fields.size() != 7) {
            throw new IllegalArgumentException("spend slice key '" + key + "' has " + fields.size()
                    + " fields; expected 7 (tenant, day, team, agent, API key, conversation, model)");
        }
        return fields;
    }
}
