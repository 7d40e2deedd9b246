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
 * told apart. The value is eight longs behind a format byte: no maps, no strings.
 */
public final class SpendSlice {

    public static final char KEY_MARK = '#';
    private static final byte FORMAT = 2; // SpendDelta's encodings start with 0 or 1
    private static final int SIZE = 1 + 8 * 8;

    private static final int PERIOD_TIME = 1;
    private static final int EVENT_TIME = 1 + 8;
    private static final int COST = 1 + 16;
    private static final int IN_FLIGHT = 1 + 24;
    private static final int REQUESTS = 1 + 32;
    private static final int PROMPT = 1 + 40;
    private static final int COMPLETION = 1 + 48;
    private static final int PRICED_EVENTS = 1 + 56;

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

    /** The sums of one event, or {@code previous} (encoded, may be null) plus this event. */
    public static byte[] add(byte[] previous, MeteredEvent m) {
        UsageEvent e = m.event();
        boolean request = m.isRequest();
        long cost = m.costDelta();
        ByteBuffer out = ByteBuffer.allocate(SIZE).put(FORMAT);
        ByteBuffer in = previous == null ? null : ByteBuffer.wrap(previous);
        if (in != null && (previous.length != SIZE || previous[0] != FORMAT)) {
            throw new IllegalArgumentException("spend slice holds " + previous.length + " bytes of format " + previous[0]
                    + "; expected " + SIZE + " bytes of format " + FORMAT);
        }
        out.putLong(Math.max(m.periodTime(), in == null ? Long.MIN_VALUE : in.getLong(PERIOD_TIME)));
        long eventTime = e.getTimestamp().toEpochMilli();
        out.putLong(Math.max(eventTime, in == null ? Long.MIN_VALUE : in.getLong(EVENT_TIME)));
        out.putLong(cost + (in == null ? 0 : in.getLong(COST)));
        out.putLong(m.inFlightDelta() + (in == null ? 0 : in.getLong(IN_FLIGHT)));
        out.putLong(m.requestDelta() + (in == null ? 0 : in.getLong(REQUESTS)));
        out.putLong((request ? e.getReservedPromptTokens() : e.getPromptTokens() - e.getReservedPromptTokens())
                + (in == null ? 0 : in.getLong(PROMPT)));
        out.putLong((request ? e.getReservedCompletionTokens() : e.getCompletionTokens() - e.getReservedCompletionTokens())
                + (in == null ? 0 : in.getLong(COMPLETION)));
        // a model (agent) is listed once one of its events had a cost, even if the costs then sum to 0
        out.putLong((cost == 0 ? 0 : 1) + (in == null ? 0 : in.getLong(PRICED_EVENTS)));
        return out.array();
    }

    /**
     * Sums slices, and deltas of the earlier per-scope format, into one {@link SpendDelta} per (scope, tenant,
     * day): what the pre-aggregation forwards, exactly what adding the events one by one would give.
     */
    public static final class Accumulator {
        private final Map<String, Sum> byScope = new TreeMap<>();

        /** Adds a slice read back from the store: its key ({@link #keyOf}) and sums ({@link SpendSlice#add}). */
        public void add(String key, byte[] sums) {
            if (sums == null || sums.length != SIZE || sums[0] != FORMAT) {
                throw new IllegalArgumentException("spend slice '" + key + "' holds "
                        + (sums == null ? "null" : sums.length + " bytes") + "; expected " + SIZE + " bytes of format "
                        + FORMAT);
            }
            List<String> f = fields(key);
            String tenant = f.get(0);
            String day = f.get(1);
            ByteBuffer v = ByteBuffer.wrap(sums);
            List<String> scopes = new ArrayList<>(5);
            scopes.add(Keys.scope(ScopeType.TENANT, tenant));
            scopes.add(Keys.scope(ScopeType.TEAM, f.get(2)));
            scopes.add(Keys.scope(ScopeType.AGENT, f.get(3)));
            scopes.add(Keys.scope(ScopeType.API_KEY, f.get(4)));
            if (!f.get(5).isEmpty()) {
                scopes.add(Keys.scope(ScopeType.CONVERSATION, f.get(5)));
            }
            boolean priced = v.getLong(PRICED_EVENTS) > 0;
            for (String scope : scopes) {
                Sum s = byScope.computeIfAbsent(scopeKey(scope, tenant, day), k -> new Sum(scope, tenant));
                s.periodTime = Math.max(s.periodTime, v.getLong(PERIOD_TIME));
                s.eventTime = Math.max(s.eventTime, v.getLong(EVENT_TIME));
                s.cost += v.getLong(COST);
                s.inFlight += v.getLong(IN_FLIGHT);
                s.requests += v.getLong(REQUESTS);
                s.prompt += v.getLong(PROMPT);
                s.completion += v.getLong(COMPLETION);
                if (priced) {
                    s.byModel.merge(f.get(6), v.getLong(COST), Long::sum);
                    s.byAgent.merge(f.get(3), v.getLong(COST), Long::sum);
                }
            }
        }

        /** Adds a delta of the earlier per-scope format, still in the store after an upgrade. */
        public void add(String scope, String day, SpendDelta d) {
            Sum s = byScope.computeIfAbsent(scopeKey(scope, d.tenant(), day), k -> new Sum(scope, d.tenant()));
            s.periodTime = Math.max(s.periodTime, d.periodTime());
            s.eventTime = Math.max(s.eventTime, d.eventTime());
            s.cost += d.costMicros();
            s.inFlight += d.inFlightMicros();
            s.requests += d.requests();
            s.prompt += d.promptTokens();
            s.completion += d.completionTokens();
            d.costByModel().forEach((model, cost) -> s.byModel.merge(model, cost, Long::sum));
            d.costByAgent().forEach((agent, cost) -> s.byAgent.merge(agent, cost, Long::sum));
        }

        /** Scope ({@code team:acme}) and summed delta, in a stable order. */
        public List<Map.Entry<String, SpendDelta>> deltas() {
            List<Map.Entry<String, SpendDelta>> out = new ArrayList<>(byScope.size());
            for (Sum s : byScope.values()) {
                out.add(Map.entry(s.scope, new SpendDelta(s.tenant, s.periodTime, s.eventTime, s.cost, s.inFlight,
                        s.requests, s.prompt, s.completion, s.byModel, s.byAgent)));
            }
            return out;
        }

        private static String scopeKey(String scope, String tenant, String day) {
            return tenant.length() + "/" + tenant + day + "/" + scope;
        }

        private static final class Sum {
            final String scope;
            final String tenant;
            long periodTime = Long.MIN_VALUE;
            long eventTime = Long.MIN_VALUE;
            long cost;
            long inFlight;
            long requests;
            long prompt;
            long completion;
            final Map<String, Long> byModel = new HashMap<>();
            final Map<String, Long> byAgent = new HashMap<>();

            Sum(String scope, String tenant) {
                this.scope = scope;
                this.tenant = tenant;
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
