package io.tollgate.gateway.routing;

import java.util.Objects;

/**
 * What routing may know about a prompt without keeping its text: counted once at the boundary.
 *
 * @param promptTokens       prompt tokens counted for the requested model (or o200k_base for "auto")
 * @param messageCount       messages in the request
 * @param conversationDepth  user/assistant turns before the last user message
 * @param toolCount          tools or functions offered to the model
 * @param requestedMaxTokens max_tokens asked for, or 0 when absent
 * @param text               what the user messages ask for, as counts ({@link TextSignal})
 */
public record PromptFeatures(int promptTokens, int messageCount, int conversationDepth, int toolCount,
                             int requestedMaxTokens, TextSignals text) {

    public PromptFeatures {
        Objects.requireNonNull(text, "text");
    }

    /** A prompt known only by its size: no text signal, no tools, no earlier turns. */
    public static PromptFeatures sized(int promptTokens, int requestedMaxTokens) {
        return new PromptFeatures(promptTokens, 1, 0, 0, requestedMaxTokens, TextSignals.NONE);
    }
}
