package io.tollgate.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class ComplexityScorerTest {

    /** A prompt as routing sees it, with the tier a person would pick for it. */
    record Labelled(String prompt, PromptFeatures features, String expectedTier) {
        @Override
        public String toString() {
            return prompt + " -> " + expectedTier;
        }
    }

    // promptTokens, messageCount, conversationDepth, hasTools, code, math, multiStep, requestedMaxTokens
    static final List<Labelled> LABELLED = List.of(
            new Labelled("hello, who are you?", new PromptFeatures(10, 1, 0, false, 0, 0, 0, 0), "small"),
            new Labelled("translate one sentence to French", new PromptFeatures(40, 1, 0, false, 0, 0, 0, 100), "small"),
            new Labelled("summarise a 1500-token article in 300 tokens",
                    new PromptFeatures(1_500, 2, 0, false, 0, 0, 0, 300), "small"),
            new Labelled("label the sentiment of 20 reviews", new PromptFeatures(800, 2, 0, false, 0, 0, 0, 200), "small"),
            new Labelled("short follow-up three turns into a chat", new PromptFeatures(60, 7, 3, false, 0, 0, 0, 0), "small"),
            new Labelled("what is 12 * 7?", new PromptFeatures(12, 1, 0, false, 0, 1, 0, 0), "small"),
            new Labelled("what's the weather, with a weather tool", new PromptFeatures(80, 2, 0, true, 0, 0, 0, 0), "small"),
            new Labelled("write a function from a snippet, step by step",
                    new PromptFeatures(400, 2, 0, false, 2, 0, 1, 1_000), "medium"),
            new Labelled("agent with tools, six turns deep, plan in two steps",
                    new PromptFeatures(2_000, 14, 6, true, 0, 0, 2, 0), "medium"),
            new Labelled("word problem with three equations", new PromptFeatures(300, 1, 0, false, 0, 3, 1, 0), "medium"),
            new Labelled("answer a question about a 6000-token document",
                    new PromptFeatures(6_000, 2, 0, false, 0, 0, 1, 1_500), "medium"),
            new Labelled("review a diff of two files", new PromptFeatures(3_000, 2, 0, false, 3, 0, 0, 800), "medium"),
            new Labelled("refactor a module: six code blocks, three steps, long answer",
                    new PromptFeatures(6_000, 3, 1, false, 6, 0, 3, 4_000), "large"),
            new Labelled("prove a theorem in several steps", new PromptFeatures(3_000, 2, 0, false, 0, 4, 3, 4_096), "large"),
            new Labelled("deep agentic coding session with tools",
                    new PromptFeatures(10_000, 25, 12, true, 2, 0, 2, 0), "large"),
            new Labelled("derive and implement an algorithm with its complexity proof",
                    new PromptFeatures(1_200, 1, 0, false, 2, 3, 2, 2_000), "large"));

    private final ComplexityScorer scorer = new ComplexityScorer();

    static Stream<Arguments> labelled() {
        return LABELLED.stream().map(Arguments::of);
    }

    /** The default thresholds of tollgate.yaml. */
    static String tierOf(double score) {
        return score <= 0.35 ? "small" : score <= 0.70 ? "medium" : "large";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("labelled")
    void shouldScoreIntoLabelledTierWhenDefaultThresholdsApply(Labelled prompt) {
        double score = scorer.score(prompt.features());

        assertThat(score).isBetween(0.0, 1.0);
        assertThat(tierOf(score)).as("score %.3f", score).isEqualTo(prompt.expectedTier());
    }

    @Test
    void shouldScoreZeroWhenPromptHasNoSignal() {
        assertThat(scorer.score(new PromptFeatures(5, 1, 0, false, 0, 0, 0, 0))).isZero();
    }

    @Test
    void shouldCapAtOneWhenEverySignalIsStrong() {
        assertThat(scorer.score(new PromptFeatures(50_000, 40, 20, true, 10, 10, 10, 16_000))).isEqualTo(1.0);
    }

    @Test
    void shouldGrowWhenASignalGrows() {
        PromptFeatures base = new PromptFeatures(500, 2, 1, false, 1, 0, 0, 500);

        assertThat(scorer.score(new PromptFeatures(500, 2, 1, false, 2, 0, 0, 500))).isGreaterThan(scorer.score(base));
        assertThat(scorer.score(new PromptFeatures(2_000, 2, 1, false, 1, 0, 0, 500))).isGreaterThan(scorer.score(base));
        assertThat(scorer.score(new PromptFeatures(500, 2, 1, true, 1, 0, 0, 500))).isGreaterThan(scorer.score(base));
        assertThat(scorer.score(new PromptFeatures(500, 2, 5, false, 1, 0, 0, 500))).isGreaterThan(scorer.score(base));
        assertThat(scorer.score(new PromptFeatures(500, 2, 1, false, 1, 0, 0, 4_000))).isGreaterThan(scorer.score(base));
    }

    @Test
    void shouldUseOnlyWeightedSignalsWhenWeightsAreCustom() {
        ComplexityScorer codeOnly = new ComplexityScorer(new ComplexityScorer.Weights(0, 1, 0, 0, 0, 0, 0));

        assertThat(codeOnly.score(new PromptFeatures(9_000, 1, 9, true, 1, 5, 5, 9_000))).isEqualTo(0.5);
    }

    @Test
    void shouldRejectWeightWhenOutOfRange() {
        assertThatThrownBy(() -> new ComplexityScorer.Weights(0.2, 1.5, 0, 0, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1.5");
    }
}
