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
 * What the events of one emit interval add to spend, summed per slice: the events that share tenant, quarter hour,
 * team, agent, API key, conversation, sub-agent and model, and so every spend scope they count in. One store read
 * and write per event instead of one per scope; the scopes are expanded once per slice when the interval is flushed
 * ({@link Accumulator}). A slice spans a quarter hour of period time because no period of any calendar (any zone,
 * any reset hour) begins inside one: every event of a slice falls in the same day and month of every scope, whatever
 * calendar that scope's budget or tenant sets. The value is thirteen longs behind a format byte (no maps, no
 * strings). Every sum is overflow-checked: an event that would overflow its slice is refused
 * ({@link ArithmeticException}) and the slice is left as it was.
 */
public final class SpendSlice {

    public static final char KEY_MARK = '#';
    /** The span of period time one slice covers. */
    public static final long SLOT_MILLIS = 15 * 60_000L;
    private static final byte FORMAT = 3;
    private static final int LONGS = 8 + SpendNotes.COUNT;
    private static final int SIZE = 1 + LONGS * 8;
    private static final int FIELDS = 8;

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

    /**
     * Store key of the slice of an event counted at {@code periodTime}: each field length-prefixed, so any characters
     * in names are unambiguous.
     */
    public static String keyOf(UsageEvent e, long periodTime) {
        StringBuilder b = new StringBuilder(112).append(KEY_MARK);
        String slot = Long.toString(Math.floorDiv(periodTime, SLOT_MILLIS) * SLOT_MILLIS);
        for (String field : new String[] {e.getTenant(), slot, e.getTeam(), e.getAgent(), e.getApiKeyId(),
                e.getConversationId() == null ? "" : e.getConversationId(), e.getSubAgent() == null ? "" : e.getSubAgent(),
                e.getModel()}) {
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
        if (sums.length != SIZE || sums[0] != FORMAT) {
            throw new IllegalArgumentException("spend slice " + what + " holds " + sums.length + " bytes of format "
                    + (sums.length == 0 ? "none" : sums[0]) + "; expected " + SIZE + " bytes of format " + FORMAT);
        }
        long[] v = new long[LONGS];
        ByteBuffer in = ByteBuffer.wrap(sums, 1, sums.length - 1);
        for (int i = 0; in.hasRemaining(); i++) {
            v[i] = in.getLong();
        }
        return v;
    }

    /**
     * Sums slices into one {@link SpendDelta} per (scope, tenant, quarter hour): what the pre-aggregation forwards,
     * exactly what adding the events one by one would give. A slice that would overflow a sum is not taken
     * ({@link #tryAdd} answers false): the caller sends what it holds and starts a new accumulator with it, so no sum
     * ever wraps and none is lost.
     */
    public static final class Accumulator {
        private final Map<String, Sum> byScope = new TreeMap<>();

        /** Adds a slice read back from the store: its key ({@link #keyOf}) and sums; false if a sum would overflow. */
        public boolean tryAdd(String key, byte[] sums) {
            long[] v = decode(sums == null ? new byte[0] : sums, "'" + key + "'");
            List<String> f = fields(key);
            String tenant = f.get(0);
            String slot = f.get(1);
            String agent = f.get(3);
            String model = f.get(7);
            boolean priced = v[PRICED_EVENTS] > 0;
            List<String> scopes = new ArrayList<>(6);
            scopes.add(Keys.scope(ScopeType.TENANT, tenant));
            scopes.add(Keys.scope(ScopeType.TEAM, f.get(2)));
            scopes.add(Keys.scope(ScopeType.AGENT, agent));
            scopes.add(Keys.scope(ScopeType.API_KEY, f.get(4)));
            if (!f.get(5).isEmpty()) {
                scopes.add(Keys.scope(ScopeType.CONVERSATION, f.get(5)));
            }
            if (!f.get(6).isEmpty()) {
                scopes.add(Keys.scope(ScopeType.SUB_AGENT, agent + '/' + f.get(6)));
            }
            // every scope's sums checked first, so a slice that would overflow one is taken by none
            String[] sumKeys = new String[scopes.size()];
            Sum[] known = new Sum[scopes.size()];
            for (int i = 0; i < sumKeys.length; i++) {
                sumKeys[i] = sumKey(scopes.get(i), tenant, slot);
                known[i] = byScope.get(sumKeys[i]);
                if (known[i] != null && !known[i].canAdd(v, model, agent, priced)) {
                    return false;
                }
            }
            for (int i = 0; i < sumKeys.length; i++) {
                Sum sum = known[i];
                if (sum == null) {
                    sum = new Sum(scopes.get(i), tenant);
                    byScope.put(sumKeys[i], sum);
                }
                sum.add(v, model, agent, priced);
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
                out.add(Map.entry(s.scope, s.delta()));
            }
            return out;
        }

        private static String sumKey(String scope, String tenant, String slot) {
            return tenant.length() + "/" + tenant + slot + "/" + scope;
        }

        /**
         * The running sums of one (scope, tenant, quarter hour), in the slice's own layout: summed in place, where
         * adding immutable deltas allocated two maps and a delta per scope and slice.
         */
        private static final class Sum {
            final String scope;
            final String tenant;
            final long[] v = new long[LONGS];
            /** cost per model and per agent, kept for every priced slice even when the sum is 0 */
            final Map<String, Long> byModel = new HashMap<>(4);
            final Map<String, Long> byAgent = new HashMap<>(4);

            Sum(String scope, String tenant) {
                this.scope = scope;
                this.tenant = tenant;
                v[PERIOD_TIME] = Long.MIN_VALUE;
                v[EVENT_TIME] = Long.MIN_VALUE;
            }

            boolean canAdd(long[] slice, String model, String agent, boolean priced) {
                try {
                    for (int i = COST; i < LONGS; i++) {
                        if (i != PRICED_EVENTS) {
                            Math.addExact(v[i], slice[i]);
                        }
                    }
                    if (priced) {
                        Math.addExact(byModel.getOrDefault(model, 0L), slice[COST]);
                        Math.addExact(byAgent.getOrDefault(agent, 0L), slice[COST]);
                    }
                    return true;
                } catch (ArithmeticException overflow) {
                    return false;
                }
            }

            /** Adds a slice that {@link #canAdd} accepted. */
            void add(long[] slice, String model, String agent, boolean priced) {
                v[PERIOD_TIME] = Math.max(v[PERIOD_TIME], slice[PERIOD_TIME]);
                v[EVENT_TIME] = Math.max(v[EVENT_TIME], slice[EVENT_TIME]);
                for (int i = COST; i < LONGS; i++) {
                    if (i != PRICED_EVENTS) {
                        v[i] = Math.addExact(v[i], slice[i]);
                    }
                }
                if (priced) {
                    byModel.merge(model, slice[COST], Math::addExact);
                    byAgent.merge(agent, slice[COST], Math::addExact);
                }
            }

            SpendDelta delta() {
                return new SpendDelta(tenant, v[PERIOD_TIME], v[EVENT_TIME], v[COST], v[IN_FLIGHT], v[REQUESTS],
                        v[PROMPT], v[COMPLETION], byModel, byAgent, SpendNotes.fromArray(v, NOTES));
            }
        }
    }

    /** The fields of a slice key: tenant, quarter hour, team, agent, API key, conversation, sub-agent, model. */
    public static List<String> fields(String key) {
        if (key.isEmpty() || key.charAt(0) != KEY_MARK) {
            throw new IllegalArgumentException("'" + key + "' is not a spend slice key; expected one starting with '"
                    + KEY_MARK + "'");
        }
        List<String> fields = new ArrayList<>(FIELDS);
        int i = 1;
        while (i < key.length()) {
            int colon = key.indexOf(':', i);
            int length = Integer.parseInt(key, i, colon, 10);
            fields.add(key.substring(colon + 1, colon + 1 + length));
            i = colon + 1 + length;
        }
        if (fields.size() != FIELDS) {
            throw new IllegalArgumentException("spend slice key '" + key + "' has " + fields.size() + " fields; expected "
                    + FIELDS + " (tenant, quarter hour, team, agent, API key, conversation, sub-agent, model)");
        }
        return fields;
    }
}
