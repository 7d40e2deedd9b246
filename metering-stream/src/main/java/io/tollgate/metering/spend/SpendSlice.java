package io.tollgate.metering.spend;

import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.UsageEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the events between two commits add to spend, summed per slice: the events that share tenant, quarter hour,
 * team, agent, API key, conversation, sub-agent and model, and so every spend scope they count in. One hash lookup
 * and an addition in place per event instead of one sum per scope; the scopes are expanded once per slice at the
 * commit ({@link Accumulator}). A slice spans a quarter hour of period time because no period of any calendar (any
 * zone, any reset hour) begins inside one: every event of a slice falls in the same day and month of every scope,
 * whatever calendar that scope's budget or tenant sets. Every sum is overflow-checked: an event that would overflow
 * its slice is refused ({@link ArithmeticException}) and the slice is left as it was.
 */
public final class SpendSlice {

    /** The span of period time one slice covers. */
    public static final long SLOT_MILLIS = 15 * 60_000L;
    private static final int LONGS = 8 + SpendNotes.COUNT;

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

    /** What the events of one slice share; {@code slot} is the start of the quarter hour of their period time. */
    public record Key(String tenant, long slot, String team, String agent, String apiKey, String conversation,
                      String subAgent, String model) {

        /** The slice of an event counted at {@code periodTime}. */
        public static Key of(UsageEvent e, long periodTime) {
            return new Key(e.getTenant(), Math.floorDiv(periodTime, SLOT_MILLIS) * SLOT_MILLIS, e.getTeam(),
                    e.getAgent(), e.getApiKeyId(), e.getConversationId(), e.getSubAgent(), e.getModel());
        }
    }

    /** The running sums of one slice, added to in place. */
    public static final class Sums {
        static final int LONGS = SpendSlice.LONGS;
        private final long[] v;

        public Sums() {
            v = new long[LONGS];
            v[PERIOD_TIME] = Long.MIN_VALUE;
            v[EVENT_TIME] = Long.MIN_VALUE;
        }

        /** Sums read back in this layout ({@link LegacySlices}). */
        Sums(long[] values) {
            v = values.clone();
        }

        /** Adds one event; an event that would overflow a sum throws and leaves every sum as it was. */
        public void add(MeteredEvent m) {
            long cost = m.costDelta();
            long[] notes = SpendNotes.of(m).toArray();
            long costSum = Math.addExact(v[COST], cost);
            long inFlight = Math.addExact(v[IN_FLIGHT], m.inFlightDelta());
            long requests = Math.addExact(v[REQUESTS], m.requestDelta());
            long prompt = Math.addExact(v[PROMPT], m.promptDelta());
            long completion = Math.addExact(v[COMPLETION], m.completionDelta());
            // a model (agent) is listed once one of its events had a cost, even if the costs then sum to 0
            long priced = Math.addExact(v[PRICED_EVENTS], cost == 0 ? 0 : 1);
            long[] noteSums = new long[notes.length];
            for (int i = 0; i < notes.length; i++) {
                noteSums[i] = Math.addExact(v[NOTES + i], notes[i]);
            }
            v[PERIOD_TIME] = Math.max(v[PERIOD_TIME], m.periodTime());
            v[EVENT_TIME] = Math.max(v[EVENT_TIME], m.event().getTimestamp().toEpochMilli());
            v[COST] = costSum;
            v[IN_FLIGHT] = inFlight;
            v[REQUESTS] = requests;
            v[PROMPT] = prompt;
            v[COMPLETION] = completion;
            v[PRICED_EVENTS] = priced;
            System.arraycopy(noteSums, 0, v, NOTES, noteSums.length);
        }
    }

    /**
     * Sums slices into one {@link SpendDelta} per (scope, tenant, quarter hour): what the pre-aggregation forwards,
     * exactly what adding the events one by one would give. A slice that would overflow a sum is not taken
     * ({@link #tryAdd} answers false): the caller sends what it holds and starts a new accumulator with it, so no sum
     * ever wraps and none is lost.
     */
    public static final class Accumulator {
        private final Map<ScopeSlot, Sum> byScope = new LinkedHashMap<>();

        /** One (scope, tenant, quarter hour). */
        private record ScopeSlot(String scope, String tenant, long slot) {
        }

        /** Adds a slice's sums; false, taking nothing, if a sum would overflow. */
        public boolean tryAdd(Key key, Sums sums) {
            long[] v = sums.v;
            String tenant = key.tenant();
            String agent = key.agent();
            String model = key.model();
            boolean priced = v[PRICED_EVENTS] > 0;
            List<String> scopes = new ArrayList<>(6);
            scopes.add(Keys.scope(ScopeType.TENANT, tenant));
            scopes.add(Keys.scope(ScopeType.TEAM, key.team()));
            scopes.add(Keys.scope(ScopeType.AGENT, agent));
            scopes.add(Keys.scope(ScopeType.API_KEY, key.apiKey()));
            if (key.conversation() != null && !key.conversation().isEmpty()) {
                scopes.add(Keys.scope(ScopeType.CONVERSATION, key.conversation()));
            }
            if (key.subAgent() != null && !key.subAgent().isEmpty()) {
                scopes.add(Keys.scope(ScopeType.SUB_AGENT, agent + '/' + key.subAgent()));
            }
            // every scope's sums checked first, so a slice that would overflow one is taken by none
            ScopeSlot[] sumKeys = new ScopeSlot[scopes.size()];
            Sum[] known = new Sum[scopes.size()];
            for (int i = 0; i < sumKeys.length; i++) {
                sumKeys[i] = new ScopeSlot(scopes.get(i), tenant, key.slot());
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

        /** Scope ({@code team:acme}) and summed delta, in the order the sums began. */
        public List<Map.Entry<String, SpendDelta>> deltas() {
            List<Map.Entry<String, SpendDelta>> out = new ArrayList<>(byScope.size());
            for (Map.Entry<ScopeSlot, Sum> sum : byScope.entrySet()) {
                out.add(Map.entry(sum.getKey().scope(), sum.getValue().delta()));
            }
            return out;
        }

        /**
         * The running sums of one (scope, tenant, quarter hour), in the slice's own layout: summed in place, where
         * adding immutable deltas allocated two maps and a delta per scope and slice.
         */
        private static final class Sum {
            /**
             * Below this in magnitude, two figures add without overflow: while every sum and the slice are, the exact
             * check (two map lookups per scope and slice) is skipped.
             */
            private static final long SMALL = 1L << 61;

            final String scope;
            final String tenant;
            final long[] v = new long[LONGS];
            /** cost per model and per agent, kept for every priced slice even when the sum is 0 */
            final Map<String, Long> byModel = new HashMap<>(4);
            final Map<String, Long> byAgent = new HashMap<>(4);
            /** Every sum in {@link #v} below {@link #SMALL} in magnitude. */
            boolean small = true;
            /**
             * The magnitudes of the costs added, saturating: no per-model or per-agent sum is larger, so below
             * {@link #SMALL} none of them can overflow either.
             */
            long costMagnitudes;

            Sum(String scope, String tenant) {
                this.scope = scope;
                this.tenant = tenant;
                v[PERIOD_TIME] = Long.MIN_VALUE;
                v[EVENT_TIME] = Long.MIN_VALUE;
            }

            boolean canAdd(long[] slice, String model, String agent, boolean priced) {
                if (small && costMagnitudes < SMALL && isSmall(slice)) {
                    return true;
                }
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

            private static boolean isSmall(long[] figures) {
                for (int i = COST; i < LONGS; i++) {
                    if (i != PRICED_EVENTS && (figures[i] >= SMALL || figures[i] <= -SMALL)) {
                        return false;
                    }
                }
                return true;
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
                small = small && isSmall(v);
                long cost = slice[COST] == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(slice[COST]);
                costMagnitudes = costMagnitudes > Long.MAX_VALUE - cost ? Long.MAX_VALUE : costMagnitudes + cost;
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
}
