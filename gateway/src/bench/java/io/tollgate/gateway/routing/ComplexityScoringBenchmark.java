package io.tollgate.gateway.routing;

import io.tollgate.gateway.call.ChatRequest;
import io.tollgate.gateway.call.PromptAnalysis;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What routing by complexity adds to a call: {@code PromptAnalysis.features} over the request (one
 * pass over the user messages) plus {@code ComplexityScorer.score}, per prompt, cycling through all
 * labelled prompts of {@code routing/prompts.jsonl} so that the sampled percentiles cover short and
 * long prompts alike ({@link #featuresAndScore}); the longest prompt alone ({@link #longestPrompt});
 * a 64 KiB ask (the prompts' texts joined into one paragraph, so that every word is walked through the
 * word lists: the per-character cost, {@link #ask64KiB}); the model alone on ready features
 * ({@link #scoreOnly}). The prompt tokens are counted in setup:
 * the request path counts them for admission anyway. Mode.SampleTime, so JMH reports p50/p99/p99.9.
 * Not part of {@code mvn verify}; the command is in BENCHMARKS.md.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
public class ComplexityScoringBenchmark {

    private ChatRequest[] requests;
    private int[] tokens;
    private PromptFeatures[] features;
    private ChatRequest longest;
    private int longestTokens;
    private ChatRequest large;
    private ComplexityScorer scorer;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        List<LabelledPrompts.Prompt> prompts = LabelledPrompts.load();
        requests = prompts.stream().map(LabelledPrompts.Prompt::request).toArray(ChatRequest[]::new);
        tokens = prompts.stream().mapToInt(LabelledPrompts.Prompt::promptTokens).toArray();
        features = prompts.stream().map(LabelledPrompts.Prompt::features).toArray(PromptFeatures[]::new);
        LabelledPrompts.Prompt max = prompts.stream().max(Comparator.comparingInt(LabelledPrompts.Prompt::promptTokens))
                .orElseThrow();
        longest = max.request();
        longestTokens = max.promptTokens();
        StringBuilder ask = new StringBuilder();
        while (ask.length() < 64 * 1024) {
            for (ChatRequest r : requests) {
                for (var m : r.messages()) {
                    ask.append(m.path("content").asText("").replaceAll("\\s*\\n\\s*", " ")).append(' ');
                }
            }
        }
        var messages = new com.fasterxml.jackson.databind.ObjectMapper().createArrayNode();
        messages.addObject().put("role", "user").put("content", ask.substring(0, 64 * 1024));
        large = new ChatRequest("auto", messages, null, false, null, null, null);
        scorer = new ComplexityScorer();
    }

    @Benchmark
    public Complexity featuresAndScore() {
        int i = next;
        next = i + 1 == requests.length ? 0 : i + 1;
        return scorer.score(PromptAnalysis.features(requests[i], tokens[i]));
    }

    @Benchmark
    public Complexity longestPrompt() {
        return scorer.score(PromptAnalysis.features(longest, longestTokens));
    }

    @Benchmark
    public Complexity ask64KiB() {
        return scorer.score(PromptAnalysis.features(large, 16_000));
    }

    @Benchmark
    public Complexity scoreOnly() {
        int i = next;
        next = i + 1 == features.length ? 0 : i + 1;
        return scorer.score(features[i]);
    }
}
