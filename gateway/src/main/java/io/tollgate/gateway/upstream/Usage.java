package io.tollgate.gateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/** The {@code usage} object of an OpenAI-compatible response, when the provider sent one. */
public record Usage(long promptTokens, long completionTokens, long cachedPromptTokens) {

    public static Optional<Usage> from(JsonNode usage) {
        if (usage == null || !usage.isObject() || !usage.has("prompt_tokens")) {
            return Optional.empty();
        }
        long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
        return Optional.of(new Usage(usage.path("prompt_tokens").asLong(0),
                usage.path("completion_tokens").asLong(0), cached));
    }
}
