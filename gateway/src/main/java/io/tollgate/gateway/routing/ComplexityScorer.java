package io.tollgate.gateway.routing;

/**
 * Scores how demanding a prompt is, 0 (trivial) to 1 (hardest), from {@link PromptFeatures} only.
 *
 * <p>Each signal is turned into 0..1, multiplied by its weight, and the sum is capped at 1. The
 * weights add up to more than 1 on purpose: a prompt needs only some strong signals, not all,
 * to count as hard.
 * <table>
 *   <caption>Signals and default weights</caption>
 *   <tr><th>signal</th><th>0..1</th><th>weight</th></tr>
 *   <tr><td>prompt length</td><td>log scale: 0 at 50 tokens or fewer, 1 at 8000 or more</td><td>0.20</td></tr>
 *   <tr><td>code</td><td>1 - 0.5^markers (one block 0.5, two 0.75, ...)</td><td>0.30</td></tr>
 *   <tr><td>math</td><td>1 - 0.5^markers</td><td>0.30</td></tr>
 *   <tr><td>multi-step wording</td><td>1 - 0.5^markers</td><td>0.20</td></tr>
 *   <tr><td>tools offered</td><td>0 or 1</td><td>0.15</td></tr>
 *   <tr><td>conversation depth</td><td>turns / 8, at most 1</td><td>0.10</td></tr>
 *   <tr><td>requested output</td><td>log scale: 0 at 256 tokens or fewer (or absent), 1 at 8192 or more</td><td>0.15</td></tr>
 * </table>
 * With the default tiers of {@code tollgate.yaml} (small up to 0.35, medium up to 0.70, large
 * above): a greeting or a short summary is small, one coding or math task with some steps is
 * medium, long multi-step coding, proofs or deep tool-using sessions are large (see the labelled
 * prompts in {@code ComplexityScorerTest}).
 */
public final class ComplexityScorer {

    /** Weight of each signal; each must be in 0..1. */
    public record Weights(double length, double code, double math, double multiStep, double tools, double depth,
                          double output) {
        public Weights {
            double[] all = {length, code, math, multiStep, tools, depth, output};
            for (double w : all) {
                if (!(w >= 0 && w <= 1)) {
                    throw new IllegalArgumentException("complexity weight " + w + " in " + this
                            + " is out of range; expected 0..1");
                }
            }
        }
    }

    public static final Weights DEFAULT_WEIGHTS = new Weights(0.20, 0.30, 0.30, 0.20, 0.15, 0.10, 0.15);

    private final Weights weights;

    public ComplexityScorer() {
        this(DEFAULT_WEIGHTS);
    }

    public ComplexityScorer(Weights weights) {
        this.weights = weights;
    }

    public double score(PromptFeatures f) {
        double sum = weights.length() * logScale(f.promptTokens(), 50, 8_000)
                + weights.code() * saturating(f.codeMarkers())
                + weights.math() * saturating(f.mathMarkers())
                + weights.multiStep() * saturating(f.multiStepMarkers())
                + weights.tools() * (f.hasTools() ? 1 : 0)
                + weights.depth() * Math.min(1.0, Math.max(0, f.conversationDepth()) / 8.0)
                + weights.output() * logScale(f.requestedMaxTokens(), 256, 8_192);
        return Math.min(1.0, sum);
    }

    /** 0 at or below {@code low}, 1 at or above {@code high}, logarithmic in between. */
    private static double logScale(long value, long low, long high) {
        if (value <= low) {
            return 0;
        }
        if (value >= high) {
            return 1;
        }
        return Math.log((double) value / low) / Math.log((double) high / low);
    }

    private static double saturating(int markers) {
        return markers <= 0 ? 0 : 1 - Math.pow(0.5, markers);
    }
}
