package io.tollgate.gateway.catalog;

import java.util.Locale;

/** OpenRouter's {@code architecture.tokenizer} names ("GPT", "Claude", "Llama3"...) as catalog tokenizers. */
final class OpenRouterTokenizers {

    private OpenRouterTokenizers() {
    }

    static String toTokenizer(String openRouterName) {
        String n = openRouterName.toLowerCase(Locale.ROOT);
        return switch (n) {
            case "gpt" -> "o200k_base";
            case "claude", "gemini", "llama3", "llama4", "llama2", "mistral", "qwen", "qwen3", "deepseek" -> n;
            default -> "other";
        };
    }
}
