package io.tollgate.gateway.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Scores how demanding a prompt is, 0 (trivial) to 1 (hardest), from {@link PromptFeatures} only,
 * with the {@link ComplexityModel} shipped in the jar: an ordinal logistic regression trained on the
 * labelled prompts of {@code gateway/src/test/resources/routing/prompts.jsonl} (easy / medium / hard
 * by the rule in the README next to them). Its cut points map to 0.35 and 0.70, the default
 * {@code routing.complexity_tiers}: with those tiers an easy prompt goes to the small tier, a medium
 * one to the medium tier, a hard one to the large tier.
 *
 * <p>What moves the score (weights in the model file; counts from {@code PromptAnalysis}): asks to
 * build, design, prove or analyse; hard engineering domains (distributed, concurrency, latency,
 * security); deliverables (tests, benchmark, production, complete); constraints and enumerated
 * requirements; code and math; prompt length, conversation depth, tools. Down: greetings,
 * mechanical tasks (translate, fix spelling, convert, classify), factual questions, asks for a short
 * answer. The result names the features that weighed most, for the route header and the usage events.
 * Costs one multiply-add and one logarithm per feature.
 */
public final class ComplexityScorer {

    /** Features named in {@link Complexity#deciding()}. */
    static final int DECIDING = 6;

    private static final ComplexityFeature[] FEATURES = ComplexityFeature.values();

    private final ComplexityModel model;

    /** The scorer of the shipped model. */
    public ComplexityScorer() {
        this(ComplexityModel.shipped());
    }

    public ComplexityScorer(ComplexityModel model) {
        this.model = Objects.requireNonNull(model, "model");
    }

    public ComplexityModel model() {
        return model;
    }

    public Complexity score(PromptFeatures features) {
        List<Complexity.Contribution> terms = new ArrayList<>(FEATURES.length);
        double z = 0;
        for (ComplexityFeature f : FEATURES) {
            int count = f.count(features);
            double effect = model.weight(f) * Math.log1p(count);
            z += effect;
            if (count > 0 && effect != 0) {
                terms.add(new Complexity.Contribution(f, count, effect));
            }
        }
        terms.sort(Comparator.comparingDouble((Complexity.Contribution c) -> -Math.abs(c.effect())));
        return new Complexity(model.scale(z), terms.subList(0, Math.min(DECIDING, terms.size())));
    }
}
