package io.tollgate.gateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * A provider's whole (non-streamed) 200 answer: what metering reads from it (usage, the served
 * model, the completion text to count when no usable usage came) and the bytes relayed to the agent.
 * Bytes that are no JSON are relayed as received and read as an answer without usage.
 */
public final class ProviderAnswer {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final byte[] bytes;
    private final JsonNode json;

    private ProviderAnswer(byte[] bytes, JsonNode json) {
        this.bytes = bytes;
        this.json = json;
    }

    public static ProviderAnswer read(byte[] bytes) {
        JsonNode json;
        try {
            json = JSON.readTree(bytes);
        } catch (IOException e) {
            json = null;
        }
        return new ProviderAnswer(bytes, json);
    }

    public Optional<Usage> usage() {
        return json == null ? Optional.empty() : Usage.from(json.get("usage"));
    }

    /** The model the provider says served the call; null when it named none. */
    public String servedModel() {
        return json != null && json.hasNonNull("model") ? json.get("model").asText() : null;
    }

    /** The answer as the agent gets it: {@code model} = {@code catalogId}, the name the agent can call again. */
    public byte[] relayedAs(String catalogId) {
        if (json == null || !json.path("model").isTextual() || json.get("model").textValue().equals(catalogId)) {
            return bytes;
        }
        return JsonSplice.withString(bytes, 0, "model", catalogId).orElse(bytes);
    }

    /** The tokens of every choice's {@code message.content}, counted with {@code tokens}. */
    public int completionTokens(ToIntFunction<String> tokens) {
        if (json == null) {
            return 0;
        }
        int n = 0;
        for (JsonNode choice : json.path("choices")) {
            JsonNode content = choice.path("message").path("content");
            if (content.isTextual()) {
                n += tokens.applyAsInt(content.textValue());
            }
        }
        return n;
    }
}
