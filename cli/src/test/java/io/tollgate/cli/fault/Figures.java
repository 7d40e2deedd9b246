package io.tollgate.cli.fault;

import io.tollgate.policy.price.Cost;

/**
 * Requests, tokens and cost of some calls: what a team was served (expected) or what a service counted for it
 * (metered). Cost in micro-dollars, each call priced on its own with {@link Cost} at {@link FaultPolicy#PRICE},
 * as the gateway prices it, so sums compare exactly.
 */
public record Figures(long requests, long promptTokens, long completionTokens, long costMicros) {

    public static final Figures NONE = new Figures(0, 0, 0, 0);

    /** One call that was served {@code prompt} and {@code completion} tokens. */
    public static Figures call(long prompt, long completion) {
        return new Figures(1, prompt, completion, Cost.micros(prompt, completion, FaultPolicy.PRICE));
    }

    public Figures plus(Figures other) {
        return new Figures(requests + other.requests, promptTokens + other.promptTokens,
                completionTokens + other.completionTokens, costMicros + other.costMicros);
    }

    public long tokens() {
        return promptTokens + completionTokens;
    }
}
