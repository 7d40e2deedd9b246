package io.tollgate.localstack.provider;

import java.time.Duration;
import java.util.Objects;

/**
 * How the simulated provider answers for one model (or by default). Immutable; derive variants
 * with the {@code with*} methods: {@code Behaviour.DEFAULT.withLatency(Duration.ofMillis(200))}.
 *
 * @param latency               wait before the answer (non-streaming) or before the first chunk (streaming)
 * @param chunkDelay            wait between streamed chunks
 * @param errorRate             share of requests answered 500, drawn from the provider's seeded Random (0..1)
 * @param omitUsage             answer without {@code usage} (and without the final usage chunk when streaming)
 * @param failStreamAfterChunks end the TCP stream after this many content chunks, without the final chunk or
 *                              {@code [DONE]}; -1 never. Note: the JDK HttpClient may report such a cut before
 *                              it hands over the chunks that arrived just before it
 * @param completionTokens      completion length when the request sets neither the override header nor {@code max_tokens}
 */
public record Behaviour(Duration latency, Duration chunkDelay, double errorRate, boolean omitUsage,
                        int failStreamAfterChunks, int completionTokens) {

    /** Zero delay, no errors, usage reported, 16-token answers. */
    public static final Behaviour DEFAULT = new Behaviour(Duration.ZERO, Duration.ZERO, 0.0, false, -1, 16);

    public Behaviour {
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(chunkDelay, "chunkDelay");
        if (latency.isNegative() || chunkDelay.isNegative()) {
            throw new IllegalArgumentException("latency and chunkDelay must not be negative, got " + latency + " and " + chunkDelay);
        }
        if (!(errorRate >= 0.0 && errorRate <= 1.0)) {
            throw new IllegalArgumentException("errorRate must be between 0 and 1, got " + errorRate);
        }
        if (failStreamAfterChunks < -1) {
            throw new IllegalArgumentException("failStreamAfterChunks must be -1 (never) or >= 0, got " + failStreamAfterChunks);
        }
        if (completionTokens < 1) {
            throw new IllegalArgumentException("completionTokens must be at least 1, got " + completionTokens);
        }
    }

    public Behaviour withLatency(Duration value) {
        return new Behaviour(value, chunkDelay, errorRate, omitUsage, failStreamAfterChunks, completionTokens);
    }

    public Behaviour withChunkDelay(Duration value) {
        return new Behaviour(latency, value, errorRate, omitUsage, failStreamAfterChunks, completionTokens);
    }

    public Behaviour withErrorRate(double value) {
        return new Behaviour(latency, chunkDelay, value, omitUsage, failStreamAfterChunks, completionTokens);
    }

    public Behaviour withOmitUsage(boolean value) {
        return new Behaviour(latency, chunkDelay, errorRate, value, failStreamAfterChunks, completionTokens);
    }

    public Behaviour withFailStreamAfterChunks(int value) {
        return new Behaviour(latency, chunkDelay, errorRate, omitUsage, value, completionTokens);
    }

    public Behaviour withCompletionTokens(int value) {
        return new Behaviour(latency, chunkDelay, errorRate, omitUsage, failStreamAfterChunks, value);
    }
}
