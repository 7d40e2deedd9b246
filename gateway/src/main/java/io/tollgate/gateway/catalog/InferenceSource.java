package io.tollgate.gateway.catalog;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Infers limits and tokenizer from the model's name when no explicit source knows it, so that
 * {@code gpt-4o-2024-11-20} or {@code openrouter/anthropic/claude-3.7-sonnet:beta} get sensible
 * values. Never infers prices: a wrong price is worse than the bundled or default one.
 */
public final class InferenceSource implements ModelSource {

    private record Rule(Pattern pattern, int contextWindow, int maxOutput, String tokenizer) {
    }

    private static final List<Rule> RULES = List.of(
            rule("^gpt-5", 400_000, 128_000, "o200k_base"),
            rule("^gpt-4\\.1", 1_047_576, 32_768, "o200k_base"),
            rule("^gpt-4o", 128_000, 16_384, "o200k_base"),
            rule("^o[1345](-|$)", 200_000, 100_000, "o200k_base"),
            rule("^gpt-4-(turbo|1106|0125)", 128_000, 4_096, "cl100k_base"),
            rule("^gpt-4-32k", 32_768, 8_192, "cl100k_base"),
            rule("^gpt-4", 8_192, 8_192, "cl100k_base"),
            rule("^gpt-3\\.5-turbo", 16_385, 4_096, "cl100k_base"),
            rule("^text-embedding-", 8_191, 1, "cl100k_base"),
            rule("claude", 200_000, 8_192, "claude"),
            rule("gemini-1\\.5-pro", 2_097_152, 8_192, "gemini"),
            rule("gemini", 1_048_576, 8_192, "gemini"),
            rule("deepseek", 128_000, 8_192, "deepseek"),
            rule("llama-?3", 131_072, 8_192, "llama3"),
            rule("(mistral|mixtral|codestral|ministral)", 32_768, 8_192, "mistral"),
            rule("qwen", 32_768, 8_192, "qwen"));

    private static Rule rule(String regex, int context, int maxOutput, String tokenizer) {
        return new Rule(Pattern.compile(regex), context, maxOutput, tokenizer);
    }

    @Override
    public String name() {
        return "inference";
    }

    @Override
    public ModelFacts lookup(String modelId) {
        String name = baseName(modelId);
        for (Rule r : RULES) {
            if (r.pattern().matcher(name).find()) {
                return new ModelFacts(r.contextWindow(), r.maxOutput(), r.tokenizer(), null, null, null, null, null,
                        null);
            }
        }
        return ModelFacts.NONE;
    }

    /** "openai/GPT-4o:free" -> "gpt-4o": routers prefix vendors and suffix variants. */
    static String baseName(String modelId) {
        String n = modelId.toLowerCase(Locale.ROOT);
        n = n.substring(n.lastIndexOf('/') + 1);
        int colon = n.indexOf(':');
        return colon < 0 ? n : n.substring(0, colon);
    }
}
