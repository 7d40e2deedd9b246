package io.tollgate.policy.usage;

import io.tollgate.policy.price.Cost;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import java.util.Optional;

/**
 * What a usage event may say, decided once for its writer (the gateway, about the figures a provider reports)
 * and its reader (metering-stream, on ingest). An event that breaks a rule is never counted: metering
 * dead-letters it with the {@link Reason} as the machine-readable reason, and the gateway replaces impossible
 * provider figures by its own counts. The rules, in the order they are checked:
 * <ol>
 *   <li>{@link Reason#MISSING_ID}: eventId, callId, apiKeyId, tenant, team, agent and model are not blank; the
 *       attempt number is 1 or more.</li>
 *   <li>{@link Reason#NAME_TOO_LONG}: none of those, nor the conversation or sub-agent, is longer than
 *       {@value #MAX_NAME_CHARS} characters (the gateway writes at most 128 for a header's value; metering keeps
 *       these names in its stores, whose encodings hold a name of at most 65,535 bytes).</li>
 *   <li>{@link Reason#NEGATIVE}: no token figure, cost, price, latency or model bound is below zero.</li>
 *   <li>{@link Reason#TOKENS_BEYOND_WINDOW}: no token figure exceeds {@link #tokenBound}: the model's context
 *       window plus its largest output (the sum, because some catalogs count the output inside the window and
 *       some outside), or {@value #ABSOLUTE_MAX_TOKENS} when the window is unknown (0).</li>
 *   <li>{@link Reason#TOKENS_INCONSISTENT}: reservedTokens = reservedPromptTokens + reservedCompletionTokens; on
 *       a RESPONSE also totalTokens = promptTokens + completionTokens and cachedPromptTokens &lt;= promptTokens.</li>
 *   <li>{@link Reason#PRICE_BEYOND_BOUND}: no price exceeds {@value #MAX_PRICE_MICROS_PER_MILLION} micro-dollars
 *       per million tokens ($1,000,000, over a thousand times the dearest model sold).</li>
 *   <li>{@link Reason#COST_MISMATCH}: reservedCostMicros (and on a RESPONSE costMicros) is what {@link Cost} gives
 *       for the event's own tokens and prices, within {@value #COST_TOLERANCE_MICROS} micro-dollars: every
 *       Tollgate writer uses {@link Cost}, and the tolerance only absorbs a writer that rounds the three price
 *       components one by one (half a micro-dollar each).</li>
 * </ol>
 * With these bounds one event adds at most about 3e13 micro-dollars and 2e10 tokens, so the sums metering keeps
 * overflow only after hundreds of thousands of extreme events; they are overflow-checked all the same
 * ({@link Reason#OVERFLOW}).
 */
public final class UsagePlausibility {

    /** Token bound when the event does not say the model's context window. */
    public static final long ABSOLUTE_MAX_TOKENS = 10_000_000L;
    /** The dearest price believed, in micro-dollars per million tokens ($1,000,000). */
    public static final long MAX_PRICE_MICROS_PER_MILLION = 1_000_000_000_000L;
    /** The longest id or name believed. */
    public static final int MAX_NAME_CHARS = 1_024;
    /** How far a cost may be from {@link Cost}'s figure for the same tokens and prices. */
    public static final long COST_TOLERANCE_MICROS = 2;

    /** Why a usage event (or a provider's usage) is not believed; the name is the dead-letter reason. */
    public enum Reason {
        /** An id is blank, or the attempt number is below 1. */
        MISSING_ID,
        /** An id or name is longer than {@link #MAX_NAME_CHARS} characters. */
        NAME_TOO_LONG,
        /** A figure is below zero. */
        NEGATIVE,
        /** A token figure is beyond what the model's context window and largest output allow. */
        TOKENS_BEYOND_WINDOW,
        /** Token figures that must add up do not. */
        TOKENS_INCONSISTENT,
        /** A price beyond {@link #MAX_PRICE_MICROS_PER_MILLION}. */
        PRICE_BEYOND_BOUND,
        /** A cost that is not what the event's tokens cost at its prices. */
        COST_MISMATCH,
        /** Adding the event to a sum would overflow a long. */
        OVERFLOW
    }

    /** A broken rule, with a sentence naming the values. */
    public record Problem(Reason reason, String detail) {
    }

    private UsagePlausibility() {
    }

    /** The largest token figure an event of this model may carry (see the class comment). */
    public static long tokenBound(int contextWindow, int maxOutputTokens) {
        return contextWindow > 0 ? (long) contextWindow + Math.max(0, maxOutputTokens) : ABSOLUTE_MAX_TOKENS;
    }

    /** Checks a whole event; empty when it may be counted. Never throws. */
    public static Optional<Problem> check(UsageEvent e) {
        Problem p = ids(e);
        if (p == null) {
            p = negative(e);
        }
        if (p == null) {
            p = beyondWindow(e);
        }
        if (p == null) {
            p = inconsistent(e);
        }
        if (p == null) {
            p = prices(e);
        }
        if (p == null) {
            p = cost(e);
        }
        return Optional.ofNullable(p);
    }

    /**
     * Checks the usage a provider reported for one attempt against the model's bounds: the gateway's test before
     * it meters the provider's figures rather than its own counts. Empty when they are possible.
     */
    public static Optional<Problem> checkProviderUsage(long promptTokens, long cachedPromptTokens, long completionTokens,
                                                       int contextWindow, int maxOutputTokens) {
        if (promptTokens < 0 || cachedPromptTokens < 0 || completionTokens < 0) {
            return Optional.of(new Problem(Reason.NEGATIVE, "provider usage prompt/cached/completion " + promptTokens
                    + "/" + cachedPromptTokens + "/" + completionTokens + " has a negative figure; expected zero or more"));
        }
        long bound = tokenBound(contextWindow, maxOutputTokens);
        long largest = Math.max(promptTokens, Math.max(cachedPromptTokens, completionTokens));
        if (largest > bound || promptTokens + completionTokens > bound) {
            return Optional.of(new Problem(Reason.TOKENS_BEYOND_WINDOW, "provider usage prompt/completion "
                    + promptTokens + "/" + completionTokens + " exceeds " + bound + " tokens" + boundOrigin(contextWindow,
                    maxOutputTokens)));
        }
        if (cachedPromptTokens > promptTokens) {
            return Optional.of(new Problem(Reason.TOKENS_INCONSISTENT, "provider usage has " + cachedPromptTokens
                    + " cached prompt tokens of " + promptTokens + "; expected at most the prompt"));
        }
        return Optional.empty();
    }

    private static Problem ids(UsageEvent e) {
        // the common case, without building the lists the messages below are made from
        if (plainId(e.getEventId()) && plainId(e.getCallId()) && plainId(e.getApiKeyId()) && plainId(e.getTenant())
                && plainId(e.getTeam()) && plainId(e.getAgent()) && plainId(e.getModel()) && e.getAttempt() >= 1
                && shortName(e.getConversationId()) && shortName(e.getSubAgent())) {
            return null;
        }
        String[][] ids = {{"eventId", e.getEventId()}, {"callId", e.getCallId()}, {"apiKeyId", e.getApiKeyId()},
                {"tenant", e.getTenant()}, {"team", e.getTeam()}, {"agent", e.getAgent()}, {"model", e.getModel()}};
        for (String[] id : ids) {
            if (id[1] == null || id[1].isBlank()) {
                return new Problem(Reason.MISSING_ID, id[0] + " is blank in event "
                        + abbreviated(String.valueOf(e.getEventId()))
                        + "; every usage event names its event, call, key, tenant, team, agent and model");
            }
        }
        if (e.getAttempt() < 1) {
            return new Problem(Reason.MISSING_ID, "attempt is " + e.getAttempt() + " in event "
                    + abbreviated(e.getEventId()) + "; expected a 1-based attempt number");
        }
        String[][] names = {ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6],
                {"conversationId", e.getConversationId()}, {"subAgent", e.getSubAgent()}};
        for (String[] name : names) {
            if (name[1] != null && name[1].length() > MAX_NAME_CHARS) {
                return new Problem(Reason.NAME_TOO_LONG, name[0] + " has " + name[1].length() + " characters in event "
                        + abbreviated(e.getEventId()) + "; expected at most " + MAX_NAME_CHARS);
            }
        }
        return null;
    }

    private static boolean plainId(String id) {
        return id != null && id.length() <= MAX_NAME_CHARS && !id.isBlank();
    }

    private static boolean shortName(String name) {
        return name == null || name.length() <= MAX_NAME_CHARS;
    }

    private static String abbreviated(String id) {
        return id.length() > 64 ? id.substring(0, 64) + "..." : id;
    }

    private static Problem negative(UsageEvent e) {
        // the common case: no figure has its sign bit set, so neither has their bitwise or
        if ((e.getReservedPromptTokens() | e.getReservedCompletionTokens() | e.getReservedTokens()
                | e.getReservedCostMicros() | e.getPromptTokens() | e.getCachedPromptTokens() | e.getCompletionTokens()
                | e.getTotalTokens() | e.getCostMicros() | e.getInputPriceMicrosPerMillion()
                | e.getOutputPriceMicrosPerMillion() | e.getCachedInputPriceMicrosPerMillion() | e.getLatencyMs()
                | e.getContextWindow() | e.getMaxOutputTokens()
                | (e.getTimeToFirstTokenMs() == null ? 0 : e.getTimeToFirstTokenMs())) >= 0) {
            return null;
        }
        long[] values = {e.getReservedPromptTokens(), e.getReservedCompletionTokens(), e.getReservedTokens(),
                e.getReservedCostMicros(), e.getPromptTokens(), e.getCachedPromptTokens(), e.getCompletionTokens(),
                e.getTotalTokens(), e.getCostMicros(), e.getInputPriceMicrosPerMillion(),
                e.getOutputPriceMicrosPerMillion(), e.getCachedInputPriceMicrosPerMillion(), e.getLatencyMs(),
                e.getContextWindow(), e.getMaxOutputTokens(),
                e.getTimeToFirstTokenMs() == null ? 0 : e.getTimeToFirstTokenMs()};
        String[] names = {"reservedPromptTokens", "reservedCompletionTokens", "reservedTokens", "reservedCostMicros",
                "promptTokens", "cachedPromptTokens", "completionTokens", "totalTokens", "costMicros",
                "inputPriceMicrosPerMillion", "outputPriceMicrosPerMillion", "cachedInputPriceMicrosPerMillion",
                "latencyMs", "contextWindow", "maxOutputTokens", "timeToFirstTokenMs"};
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0) {
                return new Problem(Reason.NEGATIVE, names[i] + " is " + values[i] + " in " + e.getPhase() + " event "
                        + e.getEventId() + "; expected zero or more");
            }
        }
        return null;
    }

    private static Problem beyondWindow(UsageEvent e) {
        long bound = tokenBound(e.getContextWindow(), e.getMaxOutputTokens());
        long[] values = {e.getReservedPromptTokens(), e.getReservedCompletionTokens(), e.getReservedTokens(),
                e.getPromptTokens(), e.getCachedPromptTokens(), e.getCompletionTokens(), e.getTotalTokens()};
        String[] names = {"reservedPromptTokens", "reservedCompletionTokens", "reservedTokens", "promptTokens",
                "cachedPromptTokens", "completionTokens", "totalTokens"};
        for (int i = 0; i < values.length; i++) {
            if (values[i] > bound) {
                return new Problem(Reason.TOKENS_BEYOND_WINDOW, names[i] + " is " + values[i] + " in " + e.getPhase()
                        + " event " + e.getEventId() + " of model " + e.getModel() + "; expected at most " + bound
                        + boundOrigin(e.getContextWindow(), e.getMaxOutputTokens()));
            }
        }
        return null;
    }

    private static String boundOrigin(int contextWindow, int maxOutputTokens) {
        return contextWindow > 0
                ? " (context window " + contextWindow + " + largest output " + Math.max(0, maxOutputTokens) + ")"
                : " (the bound for a model whose context window the event does not say)";
    }

    /** Token figures are bounded here (beyondWindow ran first), so these sums cannot overflow. */
    private static Problem inconsistent(UsageEvent e) {
        if (e.getReservedTokens() != e.getReservedPromptTokens() + e.getReservedCompletionTokens()) {
            return new Problem(Reason.TOKENS_INCONSISTENT, "reservedTokens is " + e.getReservedTokens() + " in event "
                    + e.getEventId() + "; expected reservedPromptTokens + reservedCompletionTokens = "
                    + (e.getReservedPromptTokens() + e.getReservedCompletionTokens()));
        }
        if (e.getPhase() != Phase.RESPONSE) {
            return null;
        }
        if (e.getTotalTokens() != e.getPromptTokens() + e.getCompletionTokens()) {
            return new Problem(Reason.TOKENS_INCONSISTENT, "totalTokens is " + e.getTotalTokens() + " in RESPONSE event "
                    + e.getEventId() + "; expected promptTokens + completionTokens = "
                    + (e.getPromptTokens() + e.getCompletionTokens()));
        }
        if (e.getCachedPromptTokens() > e.getPromptTokens()) {
            return new Problem(Reason.TOKENS_INCONSISTENT, "cachedPromptTokens " + e.getCachedPromptTokens()
                    + " exceed promptTokens " + e.getPromptTokens() + " in RESPONSE event " + e.getEventId());
        }
        return null;
    }

    private static Problem prices(UsageEvent e) {
        long dearest = Math.max(e.getInputPriceMicrosPerMillion(),
                Math.max(e.getOutputPriceMicrosPerMillion(), e.getCachedInputPriceMicrosPerMillion()));
        if (dearest > MAX_PRICE_MICROS_PER_MILLION) {
            return new Problem(Reason.PRICE_BEYOND_BOUND, "a price of " + dearest + " micro-dollars per million tokens"
                    + " in event " + e.getEventId() + " of model " + e.getModel() + "; expected at most "
                    + MAX_PRICE_MICROS_PER_MILLION);
        }
        return null;
    }

    /** Tokens and prices are bounded here, so {@link Cost} cannot overflow. */
    private static Problem cost(UsageEvent e) {
        long in = e.getInputPriceMicrosPerMillion();
        long cached = e.getCachedInputPriceMicrosPerMillion();
        long out = e.getOutputPriceMicrosPerMillion();
        long reserved = Cost.micros(e.getReservedPromptTokens(), 0, e.getReservedCompletionTokens(), in, cached, out);
        if (Math.abs(e.getReservedCostMicros() - reserved) > COST_TOLERANCE_MICROS) {
            return new Problem(Reason.COST_MISMATCH, "reservedCostMicros is " + e.getReservedCostMicros() + " in "
                    + e.getPhase() + " event " + e.getEventId() + "; its reserved tokens " + e.getReservedPromptTokens()
                    + "/" + e.getReservedCompletionTokens() + " at prices " + in + "/" + cached + "/" + out + " cost "
                    + reserved + " (within " + COST_TOLERANCE_MICROS + ")");
        }
        if (e.getPhase() != Phase.RESPONSE) {
            return null;
        }
        long actual = Cost.micros(e.getPromptTokens(), e.getCachedPromptTokens(), e.getCompletionTokens(), in, cached, out);
        if (Math.abs(e.getCostMicros() - actual) > COST_TOLERANCE_MICROS) {
            return new Problem(Reason.COST_MISMATCH, "costMicros is " + e.getCostMicros() + " in RESPONSE event "
                    + e.getEventId() + "; its tokens " + e.getPromptTokens() + "/" + e.getCachedPromptTokens() + "/"
                    + e.getCompletionTokens() + " at prices " + in + "/" + cached + "/" + out + " cost " + actual
                    + " (within " + COST_TOLERANCE_MICROS + ")");
        }
        return null;
    }
}
