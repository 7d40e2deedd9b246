package io.tollgate.gateway.routing;

import java.util.List;

/**
 * The models to try for one call, in order. The first is the primary choice; later ones are
 * cascades (quota, context, failures). {@code reason}, {@code complexityScore}, {@code tier} and
 * {@code routingFeatures} go into the usage events and the response headers.
 *
 * @param complexityScore 0..1 when the prompt was scored ({@code auto} or a tier name), else null
 * @param routingFeatures the features that weighed most in the score ({@link Complexity#features()}), else null
 */
public record RoutePlan(List<Candidate> candidates, String reason, Double complexityScore, String tier,
                        String routingFeatures) {

    public RoutePlan {
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("a route plan needs at least one candidate model");
        }
        candidates = List.copyOf(candidates);
    }

    /** Why a candidate is in the plan; the request path words a cascade's route reason by it. */
    public enum Via {
        /** The requested model, or the choice of {@code auto} / a tier name. */
        CHOICE,
        /** A DOWNGRADE command's target in place of the choice. */
        DOWNGRADE,
        /** The choice's context window is too small for the prompt plus {@code max_tokens}. */
        CONTEXT_WINDOW,
        /** The next model of the choice's {@code routing.fallback_chains} entry. */
        FALLBACK_CHAIN,
        /** {@code routing.local_fallback}. */
        LOCAL_FALLBACK
    }

    /**
     * One model to try; {@code fallback} is true for anything but the model the agent's request
     * would have been served by (cascades, the local fallback, and a DOWNGRADE's target).
     * {@code fallbackFrom} names that model when it differs from the plan's first candidate
     * (a downgrade replaces the first choice); null means "the plan's first candidate".
     */
    public record Candidate(String model, boolean fallback, String reason, String fallbackFrom, Via via) {

        public Candidate(String model, boolean fallback, String reason, String fallbackFrom) {
            this(model, fallback, reason, fallbackFrom, fallback ? Via.FALLBACK_CHAIN : Via.CHOICE);
        }

        public Candidate(String model, boolean fallback, String reason) {
            this(model, fallback, reason, null);
        }
    }

    /** The plan without routing: the requested model only. */
    public static RoutePlan direct(String model) {
        return new RoutePlan(List.of(new Candidate(model, false, "requested")), "requested", null, null, null);
    }
}
