package io.tollgate.gateway.upstream;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.gateway.json.JsonFactories;
import java.io.IOException;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * A provider's whole (non-streamed) 200 answer: what metering reads from it (usage, the served
 * model, the completion text to count when no usable usage came) and the bytes relayed to the agent.
 * One streaming pass finds the {@code model} and {@code usage} fields; only {@code usage} becomes a
 * tree, and the choices only when their text must be counted. Bytes that are no JSON are relayed as
 * received and read as an answer without usage.
 */
public final class ProviderAnswer {

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactories.shared());

    private final byte[] bytes;
    /** Null when the bytes are no JSON. */
    private final JsonScan scan;

    private ProviderAnswer(byte[] bytes, JsonScan scan) {
        this.bytes = bytes;
        this.scan = scan;
    }

    public static ProviderAnswer read(byte[] bytes) {
        return new ProviderAnswer(bytes, JsonScan.of(bytes, 0, bytes.length, true, null));
    }

    public Optional<Usage> usage() {
        return scan == null ? Optional.empty() : scan.usage();
    }

    /** The model the provider says served the call; null when it named none. */
    public String servedModel() {
        return scan == null ? null : scan.model;
    }

    /** The answer as the agent gets it: {@code model} = {@code catalogId}, the name the agent can call again. */
    public byte[] relayedAs(String catalogId) {
        if (scan == null || scan.modelToken != JsonToken.VALUE_STRING || scan.model.equals(catalogId)) {
            return bytes;
        }
        return JsonSplice.splice(bytes, scan.modelStart, scan.modelEnd, JsonSplice.quoted(catalogId));
    }

    /** The tokens of every choice's {@code message.content}, counted with {@code tokens}. */
    public int completionTokens(ToIntFunction<String> tokens) {
        if (scan == null || !scan.isObject()) {
            return 0;
        }
        JsonNode json;
        try {
            json = JSON.readTree(bytes); // only when the provider's usage is missing or refused
        } catch (IOException e) {
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
