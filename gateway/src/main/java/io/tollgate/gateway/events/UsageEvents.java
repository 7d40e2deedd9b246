package io.tollgate.gateway.events;

import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.ErrorKind;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.TokenSource;
import io.tollgate.schemas.avro.UsageEvent;

/**
 * Builds the REQUEST and RESPONSE events of an attempt. Both carry the reservation, so that a
 * consumer adds REQUEST's reservation and RESPONSE's (actual - reserved). No prompt or
 * completion text is ever copied here.
 */
public final class UsageEvents {

    private UsageEvents() {
    }

    public static UsageEvent request(AttemptFacts facts, long nowMillis) {
        return base(facts, Phase.REQUEST, nowMillis)
                .setStatus(CallStatus.ADMITTED)
                .setErrorKind(ErrorKind.NONE)
                .setTokenSource(facts.model().tokenizer().value().endsWith("_base")
                        ? TokenSource.COUNTED : TokenSource.ESTIMATED)
                .build();
    }

    public static UsageEvent response(AttemptFacts facts, AttemptResult result, long nowMillis) {
        long prompt = result.promptTokens();
        long completion = result.completionTokens();
        return base(facts, Phase.RESPONSE, nowMillis)
                .setPromptTokens(prompt)
                .setCachedPromptTokens(result.cachedPromptTokens())
                .setCompletionTokens(completion)
                .setTotalTokens(prompt + completion)
                .setCostMicros(facts.costMicros(result))
                .setTokenSource(result.tokenSource())
                .setServedModel(result.servedModel())
                .setStatus(result.status())
                .setErrorKind(result.errorKind())
                .setHttpStatus(result.httpStatus())
                .setLatencyMs(result.latencyMs())
                .setTimeToFirstTokenMs(result.timeToFirstTokenMs())
                .setUsageNote(result.usageNote())
                .build();
    }

    private static UsageEvent.Builder base(AttemptFacts f, Phase phase, long nowMillis) {
        return UsageEvent.newBuilder()
                .setEventId(Ids.random())
                .setCallId(f.callId())
                .setAttempt(f.attempt())
                .setPhase(phase)
                .setTimestamp(java.time.Instant.ofEpochMilli(nowMillis))
                .setGatewayId(f.gatewayId())
                .setEndpoint(f.endpoint())
                .setApiKeyId(f.caller().keyId())
                .setTenant(f.caller().tenant())
                .setTeam(f.caller().team())
                .setAgent(f.caller().agent())
                .setSubAgent(f.caller().subAgent())
                .setConversationId(f.caller().conversationId())
                .setRequestedModel(f.requestedModel())
                .setModel(f.model().id())
                .setProvider(f.provider())
                .setStream(f.stream())
                .setFallback(f.fallback())
                .setFallbackFrom(f.fallbackFrom())
                .setRoutingReason(f.routingReason())
                .setComplexityScore(f.complexityScore())
                .setRoutedTier(f.routedTier())
                .setRoutingFeatures(f.routingFeatures())
                .setReservedPromptTokens(f.reservedPromptTokens())
                .setReservedCompletionTokens(f.reservedCompletionTokens())
                .setReservedTokens(f.reservedTokens())
                .setReservedCostMicros(f.reservedCostMicros())
                .setPriceSource(f.model().priceSource())
                .setInputPriceMicrosPerMillion(f.model().inputPrice().value())
                .setOutputPriceMicrosPerMillion(f.model().outputPrice().value())
                .setCachedInputPriceMicrosPerMillion(f.model().cachedInputPrice().value())
                // the bounds metering judges the event's tokens by (UsagePlausibility)
                .setContextWindow(f.model().contextWindow().value())
                .setMaxOutputTokens(f.model().maxOutputTokens().value());
    }
}
