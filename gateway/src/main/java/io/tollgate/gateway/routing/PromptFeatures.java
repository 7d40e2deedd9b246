package io.tollgate.gateway.routing;

/**
 * What routing may know about a prompt without keeping its text: counted once at the boundary.
 *
 * @param promptTokens       prompt tokens counted for the requested model (or o200k_base for "auto")
 * @param messageCount       messages in the request
 * @param conversationDepth  user/assistant turns before the last user message
 * @param hasTools           tools or functions offered to the model
 * @param codeMarkers        fenced code blocks, and lines that look like code, in the prompt
 * @param mathMarkers        equations, LaTeX, or math words in the prompt
 * @param multiStepMarkers   "step by step", numbered lists, "first ... then ..." wording
 * @param requestedMaxTokens max_tokens asked for, or 0 when absent
 */
public record PromptFeatures(int promptTokens, int messageCount, int conversationDepth, boolean hasTools,
                             int codeMarkers, int mathMarkers, int multiStepMarkers, int requestedMaxTokens) {
}
