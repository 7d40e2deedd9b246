package io.tollgate.gateway.routing;

import java.util.function.ToIntFunction;

/**
 * The inputs of the complexity model, each a count read from {@link PromptFeatures} and entered as
 * {@code ln(1 + count)}: the first occurrences of a signal say the most. {@link #key()} names the
 * feature in the model file, the route header and the usage events.
 */
public enum ComplexityFeature {
    TOKENS("tokens", PromptFeatures::promptTokens),
    DEPTH("depth", PromptFeatures::conversationDepth),
    TOOLS("tools", PromptFeatures::toolCount),
    MAX_TOKENS("max_tokens", PromptFeatures::requestedMaxTokens),
    /** Words of the asks; two Chinese or Japanese characters count as one word. */
    WORDS("words", f -> f.text().count(TextSignal.WORDS) + f.text().count(TextSignal.CJK_CHARS) / 2),
    MATERIAL("material", TextSignal.MATERIAL_WORDS),
    SENTENCES("sentences", TextSignal.SENTENCES),
    CODE_BLOCKS("code_blocks", TextSignal.CODE_BLOCKS),
    CODE_LINES("code_lines", TextSignal.CODE_LINES),
    MATH_SYMBOLS("math", TextSignal.MATH_SYMBOLS),
    LIST_ITEMS("items", TextSignal.LIST_ITEMS),
    SEPARATORS("separators", TextSignal.SEPARATORS),
    QUESTIONS("questions", TextSignal.QUESTIONS),
    QUANTITIES("quantities", TextSignal.QUANTITIES),
    BUILD("build", TextSignal.BUILD),
    DESIGN("design", TextSignal.DESIGN),
    PROOF("proof", TextSignal.PROOF),
    ANALYSIS("analysis", TextSignal.ANALYSIS),
    SYSTEMS("systems", TextSignal.SYSTEMS),
    MATH_TERMS("math_terms", TextSignal.MATH_TERMS),
    ADVANCED_MATH("advanced_math", TextSignal.ADVANCED_MATH),
    EXPERT("expert", TextSignal.EXPERT),
    DELIVERABLES("deliverables", TextSignal.DELIVERABLES),
    CONSTRAINTS("constraints", TextSignal.CONSTRAINTS),
    EXPLAIN("explain", TextSignal.EXPLAIN),
    COMPOSE("compose", TextSignal.COMPOSE),
    SIMPLE_TASK("simple_task", TextSignal.SIMPLE_TASK),
    CHAT("chat", TextSignal.CHAT),
    BRIEF("brief", TextSignal.BRIEF),
    ELABORATE("elaborate", TextSignal.ELABORATE),
    FACT_QUESTION("fact_question", TextSignal.FACT_QUESTION),
    /** An ask to build or write something, and a hard engineering domain: the smaller of the two counts. */
    BUILD_SYSTEMS("build*systems", f -> Math.min(f.text().count(TextSignal.BUILD) + f.text().count(TextSignal.COMPOSE),
            f.text().count(TextSignal.SYSTEMS))),
    /** Both design wording and a hard engineering domain. */
    DESIGN_SYSTEMS("design*systems", f -> both(f, TextSignal.DESIGN, TextSignal.SYSTEMS)),
    /** Both proof wording and advanced mathematics. */
    PROOF_ADVANCED("proof*advanced_math", f -> both(f, TextSignal.PROOF, TextSignal.ADVANCED_MATH));

    private final String key;
    private final ToIntFunction<PromptFeatures> count;

    ComplexityFeature(String key, ToIntFunction<PromptFeatures> count) {
        this.key = key;
        this.count = count;
    }

    ComplexityFeature(String key, TextSignal signal) {
        this(key, f -> f.text().count(signal));
    }

    private static int both(PromptFeatures f, TextSignal a, TextSignal b) {
        return Math.min(f.text().count(a), f.text().count(b));
    }

    public String key() {
        return key;
    }

    /** The count this feature reads, at least 0. */
    public int count(PromptFeatures features) {
        return Math.max(0, count.applyAsInt(features));
    }

    /** The model's input: {@code ln(1 + count)}. */
    public double value(PromptFeatures features) {
        return Math.log1p(count(features));
    }

    public static ComplexityFeature byKey(String key) {
        for (ComplexityFeature f : values()) {
            if (f.key.equals(key)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown complexity feature '" + key + "'; expected one of "
                + java.util.Arrays.stream(values()).map(ComplexityFeature::key).toList());
    }
}
