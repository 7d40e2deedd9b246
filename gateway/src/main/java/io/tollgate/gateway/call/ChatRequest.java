package io.tollgate.gateway.call;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A validated OpenAI request body. {@code body} is the parsed JSON forwarded upstream (with the
 * model name and stream options adjusted); {@code raw} the bytes as received, forwarded unchanged
 * when nothing needs adjusting. {@code maxTokens} is null when the agent did not set one.
 * For embeddings, {@code messages} holds the {@code input} value.
 */
public record ChatRequest(String model, JsonNode messages, JsonNode tools, boolean stream, Integer maxTokens,
                          ObjectNode body, byte[] raw) {

    /** True when the agent streams and asked for the usage chunk ({@code stream_options.include_usage}). */
    public boolean includeUsage() {
        return stream && body.path("stream_options").path("include_usage").asBoolean(false);
    }
}
