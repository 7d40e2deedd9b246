package io.tollgate.gateway.call;

import io.tollgate.gateway.admission.AdmissionDecision;
import java.math.BigDecimal;
import java.util.Map;

/**
 * The gateway's response headers: its own {@code X-Tollgate-*} and OpenAI's {@code x-ratelimit-*},
 * which SDKs and dashboards read as OpenAI documents them (limit and remaining per minute, and the
 * reset as a duration such as {@code 1s}, {@code 6m0s} or {@code 20ms}).
 */
final class ResponseHeaders {

    static final String CALL_ID = "X-Tollgate-Call-Id";
    static final String MODEL = "X-Tollgate-Model";
    static final String FALLBACK = "X-Tollgate-Fallback";
    static final String ROUTE = "X-Tollgate-Route";
    /** Final cost of the call in micro-dollars, every attempt summed (answers that are not streamed). */
    static final String COST = "X-Tollgate-Cost-Micros";
    /** A stream's reserved cost: its final cost is only known at its end (then in the usage chunk). */
    static final String RESERVED_COST = "X-Tollgate-Reserved-Cost-Micros";

    private ResponseHeaders() {
    }

    /** The admission's remainders: OpenAI's rate-limit headers and the gateway's own daily figures. */
    static void limits(Map<String, String> h, AdmissionDecision.Remaining remaining) {
        window(h, "requests", remaining.requestsPerMinute());
        window(h, "tokens", remaining.tokensPerMinute());
        putIfKnown(h, "X-Tollgate-Remaining-Requests", remaining.requestsPerMinute().remaining());
        putIfKnown(h, "X-Tollgate-Remaining-Tokens", remaining.tokensPerMinute().remaining());
        putIfKnown(h, "X-Tollgate-Remaining-Requests-Today", remaining.requestsPerDay().remaining());
        putIfKnown(h, "X-Tollgate-Limit-Requests-Today", remaining.requestsPerDay().limit());
        putIfKnown(h, "X-Tollgate-Remaining-Tokens-Today", remaining.tokensPerDay().remaining());
        putIfKnown(h, "X-Tollgate-Limit-Tokens-Today", remaining.tokensPerDay().limit());
    }

    private static void window(Map<String, String> h, String kind, AdmissionDecision.Headroom w) {
        if (!w.limited()) {
            return;
        }
        h.put("x-ratelimit-limit-" + kind, Long.toString(w.limit()));
        h.put("x-ratelimit-remaining-" + kind, Long.toString(w.remaining()));
        h.put("x-ratelimit-reset-" + kind, duration(w.resetMillis()));
    }

    private static void putIfKnown(Map<String, String> h, String name, long value) {
        if (value >= 0) {
            h.put(name, Long.toString(value));
        }
    }

    /** OpenAI's spelling of a duration (Go's): {@code 0s}, {@code 20ms}, {@code 1.5s}, {@code 6m0s}, {@code 1h2m3s}. */
    static String duration(long millis) {
        if (millis <= 0) {
            return "0s";
        }
        if (millis < 1_000) {
            return millis + "ms";
        }
        long hours = millis / 3_600_000;
        long minutes = millis / 60_000 % 60;
        BigDecimal seconds = BigDecimal.valueOf(millis % 60_000, 3).stripTrailingZeros();
        StringBuilder b = new StringBuilder();
        if (hours > 0) {
            b.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            b.append(minutes).append('m');
        }
        return b.append(seconds.signum() == 0 ? "0" : seconds.toPlainString()).append('s').toString();
    }
}
