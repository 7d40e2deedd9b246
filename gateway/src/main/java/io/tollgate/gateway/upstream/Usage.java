package io.tollgate.gateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.policy.usage.UsagePlausibility;
import java.util.Optional;

/**
 * The {@code usage} object of an OpenAI-compatible response, when the provider sent one.
 *
 * @param malformed why a figure could not be read as a whole number (then it reads as 0), or null
 */
public record Usage(long promptTokens, long completionTokens, long cachedPromptTokens, String malformed) {

    public Usage(long promptTokens, long completionTokens, long cachedPromptTokens) {
        this(promptTokens, completionTokens, cachedPromptTokens, null);
    }

    public static Optional<Usage> from(JsonNode usage) {
        if (usage == null || !usage.isObject() || !usage.has("prompt_tokens")) {
            return Optional.empty();
        }
        StringBuilder malformed = new StringBuilder();
        long prompt = figure(usage.path("prompt_tokens"), "prompt_tokens", malformed);
        long completion = figure(usage.path("completion_tokens"), "completion_tokens", malformed);
        long cached = figure(usage.path("prompt_tokens_details").path("cached_tokens"), "cached_tokens", malformed);
        return Optional.of(new Usage(prompt, completion, cached, malformed.isEmpty() ? null : malformed.toString()));
    }

    /**
     * Whether these figures are possible for a model of this context window and largest output, by the rule
     * metering applies ({@link UsagePlausibility#checkProviderUsage}); a figure that is not a whole number is not.
     */
    public Optional<UsagePlausibility.Problem> problem(int contextWindow, int maxOutputTokens) {
        if (malformed != null) {
            return Optional.of(new UsagePlausibility.Problem(UsagePlausibility.Reason.TOKENS_INCONSISTENT, malformed));
        }
        return UsagePlausibility.checkProviderUsage(promptTokens, cachedPromptTokens, completionTokens, contextWindow,
                maxOutputTokens);
    }

    /** A whole number; a missing figure is 0; one beyond a long reads as Long.MAX_VALUE (beyond any bound). */
    private static long figure(JsonNode node, String name, StringBuilder malformed) {
        if (node.isMissingNode() || node.isNull()) {
            return 0;
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? node.longValue()
                    : node.bigIntegerValue().signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        malformed.append(malformed.isEmpty() ? "" : "; ").append(name).append(" is ").append(node)
                .append(", expected a whole number");
        return 0;
    }
}
