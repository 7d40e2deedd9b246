package io.tollgate.metering.spend;

import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.UsageEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
            long costSum = Math.addExact(v[COST], cost);
            long inFlight = Math.addExact(v[IN_FLIGHT], m.inFlightDelta());
            long requests = Math.addExact(v[REQUESTS], m.requestDelta());
            long prompt = Math.addExact(v[PROMPT], m.promptDelta());
            long completion = Math.addExact(v[COMPLETION], m.completionDelta());
            // a model (agent) is listed once one of its events had a cost, even if the costs then sum to 0
            long priced = Math.addExact(v[PRICED_EVENTS], cost == 0 ? 0 : 1);
            // the notes in SpendNotes' order
            long abandonedCalls = Math.addExact(v[NOTES], m.abandonedCalls());
            long abandonedMicros = Math.addExact(v[NOTES + 1], m.abandonedMicros());
            long orphanResponses = Math.addExact(v[NOTES + 2], m.orphanResponses());
            long lateReassigned = Math.addExact(v[NOTES + 3], m.lateReassigned());
            long clampedEvents = Math.addExact(v[NOTES + 4], m.clampedEvents());
            v[PERIOD_TIME] = Math.max(v[PERIOD_TIME], m.periodTime());
            v[EVENT_TIME] = Math.max(v[EVENT_TIME], m.event().getTimestamp().toEpochMilli());
            v[COST] = costSum;
            v[IN_FLIGHT] = inFlight;
            v[REQUESTS] = requests;
            v[PROMPT] = prompt;
            v[COMPLETION] = completion;
            v[PRICED_EVENTS] = priced;
            v[NOTES] = abandonedCalls;
            v[NOTES + 1] = abandonedMicros;
            v[NOTES + 2] = orphanResponses;
            v[NOTES + 3] = lateReassigned;
            v[NOTES + 4] = clampedEvents;
        }
    }

    /**
     * Sums slices into one {@link SpendDelta} per (scope, tenant, quarter hour): what the pre-aggregation forwards,
     * exactly what adding the events one by one would give. A slice that would overflow a sum is not taken
     * ({@link #tryAdd} answers false): the caller sends what it holds and starts a new accumulator with it, so no sum
     * ever wraps and none is lost.
     *
     * <p>Nearly every slice of a busy commit is new (a call's REQUEST and RESPONSE share one, few calls share both
     * conversation and key), so this runs once per call or so: it finds the sums by the slice's own strings, whose
     * hashes the pending map already computed, one lookup per scope, without building the scope key ({@code
     * team:acme}) except for a new sum; models and agents are numbered (an agent once per sum of its scope, a model
     * once per slice), so each scope's cost per model and per agent is summed in arrays rather than two boxed map
     * merges per scope.
     */
    public static final class Accumulator {
        /** The sums in the order they began: the order their deltas are sent. */
        private final List<Sum> sums = new ArrayList<>();
        private final Map<TenantSlot, Scopes> bySlot = new HashMap<>();
        /** The last slice's (tenant, quarter hour): a commit's slices mostly share one. */
        private Scopes last;
        /** Model and agent names by number, and their numbers. */
        private final List<String> names = new ArrayList<>();
        private final Map<String, Integer> numbers = new HashMap<>();
        /** A slice's sums, found before any is added to (a slice that would overflow one is taken by none). */
        private final Sum[] known = new Sum[SCOPES];
        /** The slice's id in each scope type; null for a conversation or sub-agent it does not name. */
        private final String[] ids = new String[SCOPES];

        private static final int SCOPES = 6;
        private static final int TENANT = 0;
        private static final int TEAM = 1;
        private static final int AGENT = 2;
        private static final int API_KEY = 3;
        private static final int CONVERSATION = 4;
        private static final int SUB_AGENT = 5;
        private static final ScopeType[] TYPES = {ScopeType.TENANT, ScopeType.TEAM, ScopeType.AGENT,
                ScopeType.API_KEY, ScopeType.CONVERSATION, ScopeType.SUB_AGENT};

        private record TenantSlot(String tenant, long slot) {
        }

        /** The sums of one (tenant, quarter hour), per scope type and id. */
        private static final class Scopes {
            final String tenant;
            final long slot;
            Sum tenantSum;
            @SuppressWarnings("unchecked")
            final Map<String, Sum>[] byId = new Map[SCOPES];

            Scopes(String tenant, long slot) {
                this.tenant = tenant;
                this.slot = slot;
                for (int i = TEAM; i < SCOPES; i++) {
                    byId[i] = new HashMap<>();
                }
            }
        }

        /** Adds a slice's sums; false, taking nothing, if a sum would overflow. */
        public boolean tryAdd(Key key, Sums slice) {
            long[] v = slice.v;
            Scopes scopes = scopes(key.tenant(), key.slot());
            ids[TENANT] = key.tenant();
            ids[TEAM] = key.team();
            ids[AGENT] = key.agent();
            ids[API_KEY] = key.apiKey();
            ids[CONVERSATION] = key.conversation() != null && !key.conversation().isEmpty() ? key.conversation() : null;
            ids[SUB_AGENT] = key.subAgent() != null && !key.subAgent().isEmpty()
                    ? key.agent() + '/' + key.subAgent() : null;
            for (int i = 0; i < SCOPES; i++) {
                known[i] = i == TENANT ? scopes.tenantSum : counted(i) ? scopes.byId[i].get(ids[i]) : null;
            }
            boolean priced = v[PRICED_EVENTS] > 0;
            int model = priced ? number(key.model()) : -1;
            // the agent's sum knows its number (one lookup fewer per slice)
            int agent = !priced ? -1 : known[AGENT] != null ? known[AGENT].agentNumber : number(key.agent());
            for (Sum sum : known) {
                if (sum != null && !sum.canAdd(v, model, agent, priced)) {
                    return false;
                }
            }
            for (int i = 0; i < SCOPES; i++) {
                Sum sum = known[i];
                if (sum == null) {
                    if (!counted(i)) {
                        continue;
                    }
                    sum = new Sum(Keys.scope(TYPES[i], ids[i]), scopes.tenant);
                    if (i == AGENT) {
                        sum.agentNumber = agent >= 0 ? agent : number(key.agent());
                    }
                    if (i == TENANT) {
                        scopes.tenantSum = sum;
                    } else {
                        scopes.byId[i].put(ids[i], sum);
                    }
                    sums.add(sum);
                }
                sum.add(v, model, agent, priced);
            }
            return true;
        }

        /** Whether the slice counts in scope type {@code i}: always, but for a conversation or sub-agent it names. */
        private boolean counted(int i) {
            return i < CONVERSATION || ids[i] != null;
        }

        private Scopes scopes(String tenant, long slot) {
            if (last != null && last.slot == slot && Objects.equals(last.tenant, tenant)) {
                return last;
            }
            last = bySlot.computeIfAbsent(new TenantSlot(tenant, slot), s -> new Scopes(s.tenant(), s.slot()));
            return last;
        }

        private int number(String name) {
            Integer known = numbers.get(name);
            if (known != null) {
                return known;
            }
            names.add(name);
            numbers.put(name, names.size() - 1);
            return names.size() - 1;
        }

        public boolean isEmpty() {
            return sums.isEmpty();
        }

        /** Scope ({@code team:acme}) and summed delta, in the order the sums began. */
        public List<Map.Entry<String, SpendDelta>> deltas() {
            List<Map.Entry<String, SpendDelta>> out = new ArrayList<>(sums.size());
            for (Sum sum : sums) {
                out.add(Map.entry(sum.scope, sum.delta(names)));
            }
            return out;
        }

        /**
         * The running sums of one (scope, tenant, quarter hour), in the slice's own layout: summed in place, where
         * adding immutable deltas allocated two maps and a delta per scope and slice. The cost per model and per agent
         * is kept in the sum itself, one array of names (numbered, tagged {@link #MODEL} or {@link #AGENT}) in the
         * order they came and one of amounts: a scope sees few models and agents, found by a scan, and past {@link
         * #SCANNED} by an open-addressed index.
         */
        private static final class Sum {
            /**
             * Below this in magnitude, two figures add without overflow: while every sum and the slice are, the exact
             * check (two lookups per scope and slice) is skipped.
             */
            private static final long SMALL = 1L << 61;
            static final int MODEL = 0;
            static final int AGENT = 1;
            private static final int SCANNED = 8;

            final String scope;
            final String tenant;
            /** The agent's number, for the sum of an agent scope. */
            int agentNumber = -1;
            final long[] v = new long[LONGS];
            /** Every sum in {@link #v} below {@link #SMALL} in magnitude. */
            boolean small = true;
            /**
             * The magnitudes of the costs added, saturating: no per-model or per-agent sum is larger, so below
             * {@link #SMALL} none of them can overflow either.
             */
            long costMagnitudes;
            /** number * 2 + MODEL or AGENT, per name in the order the names came; kept for every priced slice */
            private int[] names = new int[4];
            private long[] amounts = new long[4];
            private int size;
            /** position + 1 per hash slot, 0 when free; built once there are more than {@link #SCANNED} names */
            private int[] index;
            /** Per MODEL and AGENT: the position of the last new name, and whether an amount came after it. */
            private final int[] lastNew = {-1, -1};
            private final boolean[] addedSinceNew = new boolean[2];

            Sum(String scope, String tenant) {
                this.scope = scope;
                this.tenant = tenant;
                v[PERIOD_TIME] = Long.MIN_VALUE;
                v[EVENT_TIME] = Long.MIN_VALUE;
            }

            boolean canAdd(long[] slice, int model, int agent, boolean priced) {
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
                        Math.addExact(amount(model * 2 + MODEL), slice[COST]);
                        Math.addExact(amount(agent * 2 + AGENT), slice[COST]);
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
            void add(long[] slice, int model, int agent, boolean priced) {
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
                    addCost(model * 2 + MODEL, slice[COST]);
                    addCost(agent * 2 + AGENT, slice[COST]);
                }
            }

            SpendDelta delta(List<String> numbered) {
                return new SpendDelta(tenant, v[PERIOD_TIME], v[EVENT_TIME], v[COST], v[IN_FLIGHT], v[REQUESTS],
                        v[PROMPT], v[COMPLETION], costs(MODEL, numbered), costs(AGENT, numbered),
                        SpendNotes.fromArray(v, NOTES));
            }

            private long amount(int name) {
                int at = positionOf(name);
                return at < 0 ? 0 : amounts[at];
            }

            private void addCost(int name, long amount) {
                int kind = name & 1;
                int at = positionOf(name);
                if (at >= 0) {
                    amounts[at] = Math.addExact(amounts[at], amount);
                    addedSinceNew[kind] = true;
                    return;
                }
                if (size == names.length) {
                    names = Arrays.copyOf(names, size * 2);
                    amounts = Arrays.copyOf(amounts, size * 2);
                }
                names[size] = name;
                amounts[size] = amount;
                lastNew[kind] = size;
                addedSinceNew[kind] = false;
                size++;
                if (index != null && size * 2 <= index.length) {
                    place(index, size - 1);
                } else if (size > SCANNED) {
                    index = new int[Integer.highestOneBit(size) * 4];
                    for (int i = 0; i < size; i++) {
                        place(index, i);
                    }
                }
            }

            private int positionOf(int name) {
                if (index == null) {
                    for (int i = 0; i < size; i++) {
                        if (names[i] == name) {
                            return i;
                        }
                    }
                    return -1;
                }
                int mask = index.length - 1;
                for (int h = slot(name, mask); ; h = (h + 1) & mask) {
                    int at = index[h] - 1;
                    if (at < 0 || names[at] == name) {
                        return at;
                    }
                }
            }

            private void place(int[] table, int position) {
                int mask = table.length - 1;
                int h = slot(names[position], mask);
                while (table[h] != 0) {
                    h = (h + 1) & mask;
                }
                table[h] = position + 1;
            }

            private static int slot(int name, int mask) {
                int h = name * 0x9E3779B9;
                return (h ^ h >>> 16) & mask;
            }

            /**
             * The costs per model or per agent as a map laid out as merging every slice's cost into it would lay it
             * out ({@link HashMap#merge} puts a new name at the head of its bin and grows a full table at the next
             * call), so the delta's copy of it iterates, and is encoded, in that same order: the new names merged in
             * the order they came, then one call that changes nothing if amounts were added after the last of them.
             */
            private Map<String, Long> costs(int kind, List<String> numbered) {
                Map<String, Long> out = new HashMap<>(4);
                for (int i = 0; i < size; i++) {
                    if ((names[i] & 1) == kind) {
                        out.merge(numbered.get(names[i] >>> 1), amounts[i], Math::addExact);
                    }
                }
                if (addedSinceNew[kind]) {
                    out.merge(numbered.get(names[lastNew[kind]] >>> 1), 0L, (sum, none) -> sum);
                }
                return out;
            }
        }
    }
}
