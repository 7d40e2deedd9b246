package io.tollgate.metering.query;

import java.util.List;
import java.util.Map;

/** The JSON bodies of the interactive-query API (field names are the API; see the module README). */
public final class QueryViews {

    private QueryViews() {
    }

    /** Requests and tokens of the trailing minute (windowStart exclusive, at inclusive). */
    public record Rate(String apiKeyId, String model, long at, long windowStart, long requestsPerMinute,
                       long tokensPerMinute) {
    }

    /** When a request of {@code tokens} would fit under the given limits; null limits are unlimited. */
    public record Wait(String apiKeyId, String model, long at, long tokens, Long rpm, Long tpm, Long rpd, Long tpd,
                       boolean fits, long waitMillis, double waitSeconds, String reason) {
    }

    /** Requests and tokens of one quota day. */
    public record Day(String apiKeyId, String model, String day, long startMillis, long endMillis, long requests,
                      long tokens) {
    }

    /**
     * Spend of one scope in one period, micro-dollars; with the attempts settled as ABANDONED (and their reserved
     * cost, part of costMicros), RESPONSEs without a REQUEST, events counted here because their own period was no
     * longer kept, and events counted at their ingest time because they were dated too far ahead.
     */
    public record Spend(String scope, String scopeType, String scopeId, String period, String periodKey,
                        long startMillis, long endMillis, String zone, long costMicros, long inFlightMicros,
                        long requests, long promptTokens, long completionTokens, Map<String, Long> costByModel,
                        Map<String, Long> costByAgent, long lastEventTime, long abandonedCalls, long abandonedMicros,
                        long orphanResponses, long lateReassigned, long clampedEvents) {
    }

    /**
     * One call as metered: what it counts for now ({@code costMicros}: actual figures of answered attempts, the
     * reservation of attempts in flight or settled as ABANDONED), what was reserved, whether an attempt is in flight.
     */
    public record Call(String callId, String apiKeyId, long costMicros, long reservedCostMicros, boolean inFlight,
                       List<CallAttempt> attempts) {
    }

    /** One attempt of a call, with the figures that count for it (status ADMITTED, ABANDONED, SUCCESS, ERROR, CANCELLED). */
    public record CallAttempt(int attempt, String model, String status, long promptTokens, long cachedPromptTokens,
                              long completionTokens, long totalTokens, long costMicros) {
    }

    /** Health of one model in one 5-minute window. */
    public record Health(String model, long windowStartMillis, long windowEndMillis, long calls, long successes,
                         long errorsRateLimited, long errorsTimeout, long errorsUpstream5xx, long errorsBadRequest,
                         long errorsOther, long fallbacks, long completionTokens, double tokensPerSecond,
                         long latencyP50Ms, long latencyP95Ms, long latencyP99Ms) {
    }

    /** One instance of the application and what it hosts. */
    public record Instance(String host, int port, boolean self, List<String> stores, List<String> activePartitions,
                           List<String> standbyPartitions) {
    }

    /** The answer to GET /instances. */
    public record Instances(String state, List<Instance> instances) {
    }

    /** An error body: what was wrong and what to do. */
    public record Error(int status, String error) {
    }
}
