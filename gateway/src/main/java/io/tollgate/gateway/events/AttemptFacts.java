package io.tollgate.gateway.events;

import io.tollgate.gateway.catalog.ResolvedModel;
import io.tollgate.gateway.routing.Caller;
import io.tollgate.schemas.avro.Endpoint;

/**
 * Everything a usage event says about one upstream attempt that is known before it is sent:
 * who, which model (with its prices), why that model, and what was reserved.
 */
public record AttemptFacts(String callId, int attempt, String gatewayId, Endpoint endpoint, Caller caller,
                           String requestedModel, ResolvedModel model, String provider, boolean stream,
                           boolean fallback, String fallbackFrom, String routingReason, Double complexityScore,
                           String routedTier, String routingFeatures, long reservedPromptTokens,
                           long reservedCompletionTokens) {

    public long reservedTokens() {
        return reservedPromptTokens + reservedCompletionTokens;
    }

    /** Prompt plus max_tokens at catalog prices; the prompt is reserved as uncached input. */
    public long reservedCostMicros() {
        return model.costMicros(reservedPromptTokens, 0, reservedCompletionTokens);
    }

    /** What the attempt cost at the model's prices: its RESPONSE event's {@code costMicros}. */
    public long costMicros(AttemptResult result) {
        return model.costMicros(result.promptTokens(), result.cachedPromptTokens(), result.completionTokens());
    }
}
