package io.tollgate.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.tollgate.gateway.call.ChatRequest;
import io.tollgate.gateway.call.PromptAnalysis;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shipped model on unmistakable prompts, read the way the gateway reads them
 * ({@link PromptAnalysis}), with the example tiers of tollgate.yaml. Accuracy on the labelled set
 * is measured by {@code ComplexityEvaluation} (BENCHMARKS.md), not here.
 */
class ComplexityScorerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ComplexityScorer scorer = new ComplexityScorer();

    /** The example tiers of tollgate.yaml. */
    static String tierOf(double score) {
        return score <= 0.35 ? "small" : score <= 0.70 ? "medium" : "large";
    }

    static PromptFeatures read(String prompt) {
        ArrayNode messages = JSON.createArrayNode();
        messages.addObject().put("role", "user").put("content", prompt);
        // tokens as o200k_base counts them roughly; the text's own signals decide these cases
        return PromptAnalysis.features(new ChatRequest("auto", messages, null, false, null, null, null),
                prompt.length() / 4 + 7);
    }

    static Stream<Arguments> unmistakable() {
        return Stream.of(
                Arguments.of("hello, who are you?", "small"),
                Arguments.of("Thanks, that's all!", "small"),
                Arguments.of("What is the capital of Japan?", "small"),
                Arguments.of("Translate \"good night\" into French.", "small"),
                Arguments.of("Hallo! Wie geht's?", "small"),
                Arguments.of("你好！", "small"),
                Arguments.of("Write a Python function that merges two sorted lists, with a docstring and two examples.",
                        "medium"),
                Arguments.of("Explain how a hash table handles collisions, with an example.", "medium"),
                Arguments.of("Write a 500-word blog post about the benefits of walking to work.", "medium"),
                Arguments.of("implement a distributed consensus protocol with tests", "large"),
                Arguments.of("Implement a complete Raft consensus module in Go with snapshotting and partition tests.",
                        "large"),
                Arguments.of("Prove that every planar graph is 5-colourable.", "large"),
                Arguments.of("Design a multi-region payment ledger: double-entry bookkeeping, exactly-once processing "
                        + "of payment events, strong consistency for balances, regional failover with an RPO of zero, "
                        + "and 20k transactions per second at peak.", "large"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("unmistakable")
    void shouldScoreIntoTheObviousTierWhenPromptIsUnmistakable(String prompt, String tier) {
        Complexity complexity = scorer.score(read(prompt));

        assertThat(complexity.score()).isBetween(0.0, 1.0);
        assertThat(tierOf(complexity.score())).as("score %.3f, features %s", complexity.score(), complexity.features())
                .isEqualTo(tier);
    }

    @Test
    void shouldNameTheFeaturesThatWeighedMostWhenScoring() {
        Complexity complexity = scorer.score(read("implement a distributed consensus protocol with tests"));

        assertThat(complexity.deciding()).isNotEmpty().hasSizeLessThanOrEqualTo(ComplexityScorer.DECIDING);
        assertThat(complexity.deciding()).extracting(c -> Math.abs(c.effect()))
                .isSortedAccordingTo((a, b) -> Double.compare(b, a));
        assertThat(complexity.features()).contains("systems:").contains("build:").matches("[a-z_*]+:\\d+(,[a-z_*]+:\\d+)*");
    }

    @Test
    void shouldScoreHigherWhenTheAskAddsAHardDomainAndTests() {
        double plain = scorer.score(read("Write a queue in Java.")).score();
        double hard = scorer.score(read("Write a lock-free concurrent queue in Java with stress tests.")).score();

        assertThat(hard).isGreaterThan(plain);
    }

    @Test
    void shouldStayWithinZeroAndOneWhenSignalsAreExtreme() {
        int[] many = new int[TextSignal.values().length];
        java.util.Arrays.fill(many, 10_000);

        assertThat(scorer.score(new PromptFeatures(1_000_000, 500, 400, 100, 100_000, TextSignals.of(many))).score())
                .isBetween(0.0, 1.0);
        assertThat(scorer.score(PromptFeatures.sized(0, 0)).score()).isBetween(0.0, 0.35);
    }

    @Test
    void shouldHaveBeenTrainedOnTheShippedWordListsWhenLoaded() throws Exception {
        // the model weighs counts of these lists: editing them without retraining would skew every score
        try (InputStream lexicon = ComplexityScorerTest.class.getResourceAsStream("/routing/prompt-lexicon.txt")) {
            String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(lexicon.readAllBytes()));

            assertThat(scorer.model().about()).as("retrain with ComplexityTraining --write (gateway/README.md)")
                    .containsEntry("lexiconSha256", sha256);
        }
    }

    @Test
    void shouldUseTheGivenModelWhenOneIsPassed() {
        double[] weights = new double[ComplexityFeature.values().length];
        weights[ComplexityFeature.CHAT.ordinal()] = 10;
        ComplexityScorer chatty = new ComplexityScorer(new ComplexityModel(weights, 1, 2, 0.35, 0.70, Map.of()));

        assertThat(tierOf(chatty.score(read("hello")).score())).isEqualTo("large");
        assertThat(chatty.score(read("hello")).features()).isEqualTo("chat:1");
    }
}
