package io.tollgate.gateway.routing;

import java.util.List;
import java.util.stream.Collectors;

/**
 * How demanding a prompt is: {@code score} 0 (trivial) to 1 (hardest), and the features that
 * weighed most in it, strongest first.
 */
public record Complexity(double score, List<Contribution> deciding) {

    public Complexity {
        if (!(score >= 0 && score <= 1)) {
            throw new IllegalArgumentException("complexity score " + score + " is out of range; expected 0..1");
        }
        deciding = List.copyOf(deciding);
    }

    /**
     * One feature's part in the score.
     *
     * @param count  what the prompt showed (tokens, words, matches of a word list, ...)
     * @param effect its term in the model's linear score: positive pushes towards larger tiers
     */
    public record Contribution(ComplexityFeature feature, int count, double effect) {
    }

    /** {@code systems:3,build:1,tokens:24}: the deciding features with their counts, printable ASCII. */
    public String features() {
        return deciding.stream().map(c -> c.feature().key() + ":" + c.count()).collect(Collectors.joining(","));
    }
}
