package io.tollgate.metering.spend;

import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.ScopeType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test reference for {@link SpendSlice}: the same sums computed the plain way, each event's notes added through a
 * {@link SpendNotes}, and at the commit one sum per scope key ({@code team:acme}, tenant, quarter hour) in a linked
 * map, with boxed per-model and per-agent cost maps. {@link SpendSlice} must refuse the same events and forward the
 * same deltas, in the same order and split at the same slices.
 */
final class ScopeKeyedSlices {

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

    private ScopeKeyedSlices() {
    }

    static final class Sums {
        final long[] v = new long[LONGS];

        Sums() {
            v[PERIOD_TIME] = Long.MIN_VALUE;
            v[EVENT_TIME] = Long.MIN_VALUE;
        }

        void add(MeteredEvent m) {
            long cost = m.costDelta();
            long[] notes = SpendNotes.of(m).toArray();
            long costSum = Math.addExact(v[COST], cost);
            long inFlight = Math.addExact(v[IN_FLIGHT], m.inFlightDelta());
            long requests = Math.addExact(v[REQUESTS], m.requestDelta());
            long prompt = Math.addExact(v[PROMPT], m.promptDelta());
            long completion = Math.addExact(v[COMPLETION], m.completionDelta());
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

    static final class Accumulator {
        private final Map<ScopeSlot, Sum> byScope = new LinkedHashMap<>();

        private record ScopeSlot(String scope, String tenant, long slot) {
        }

        boolean tryAdd(SpendSlice.Key key, Sums sums) {
            long[] v = sums.v;
            String agent = key.agent();
            String model = key.model();
            boolean priced = v[PRICED_EVENTS] > 0;
            List<String> scopes = new ArrayList<>(6);
            scopes.add(Keys.scope(ScopeType.TENANT, key.tenant()));
            scopes.add(Keys.scope(ScopeType.TEAM, key.team()));
            scopes.add(Keys.scope(ScopeType.AGENT, agent));
            scopes.add(Keys.scope(ScopeType.API_KEY, key.apiKey()));
            if (key.conversation() != null && !key.conversation().isEmpty()) {
                scopes.add(Keys.scope(ScopeType.CONVERSATION, key.conversation()));
            }
            if (key.subAgent() != null && !key.subAgent().isEmpty()) {
                scopes.add(Keys.scope(ScopeType.SUB_AGENT, agent + '/' + key.subAgent()));
            }
            ScopeSlot[] sumKeys = new ScopeSlot[scopes.size()];
            Sum[] known = new Sum[scopes.size()];
            for (int i = 0; i < sumKeys.length; i++) {
                sumKeys[i] = new ScopeSlot(scopes.get(i), key.tenant(), key.slot());
                known[i] = byScope.get(sumKeys[i]);
                if (known[i] != null && !known[i].canAdd(v, model, agent, priced)) {
                    return false;
                }
            }
            for (int i = 0; i < sumKeys.length; i++) {
                Sum sum = known[i];
                if (sum == null) {
                    sum = new Sum(key.tenant());
                    byScope.put(sumKeys[i], sum);
                }
                sum.add(v, model, agent, priced);
            }
            return true;
        }

        List<Map.Entry<String, SpendDelta>> deltas() {
            List<Map.Entry<String, SpendDelta>> out = new ArrayList<>();
            byScope.forEach((slot, sum) -> out.add(Map.entry(slot.scope(), sum.delta())));
            return out;
        }

        /** Every addition overflow-checked exactly. */
        private static final class Sum {
            final String tenant;
            final long[] v = new long[LONGS];
            final Map<String, Long> byModel = new HashMap<>(4);
            final Map<String, Long> byAgent = new HashMap<>(4);

            Sum(String tenant) {
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
}
