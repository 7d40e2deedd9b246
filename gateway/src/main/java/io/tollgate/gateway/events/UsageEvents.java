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
 *
 * <p>Every field is set on a plain {@link UsageEvent} rather than through Avro's builder, which checks each value
 * against the schema and deep-copies the schema default of each field left unset, on every call: every field the
 * schema gives a default and an event leaves unset here has Java's zero value (0, false, null) as that default,
 * and a required string that is null is refused here as the builder would refuse it (UsageEventsTest holds both
 * ways to the builder's result).
 */
public final class UsageEvents {

    private UsageEvents() {
    }

    public static UsageEvent request(AttemptFacts facts, long nowMillis) {
        UsageEvent e = base(facts, Phase.REQUEST, nowMillis);
        e.setStatus(CallStatus.ADMITTED);
        e.setErrorKind(ErrorKind.NONE);
        e.setTokenSource(facts.model().tokenizer().value().endsWith("_base") ? TokenSource.COUNTED
                : TokenSource.ESTIMATED);
        return e;
    }

    public static UsageEvent response(AttemptFacts facts, AttemptResult result, long nowMillis) {
        long prompt = result.promptTokens();
        long completion = result.completionTokens();
        UsageEvent e = base(facts, Phase.RESPONSE, nowMillis);
        e.setPromptTokens(prompt);
        e.setCachedPromptTokens(result.cachedPromptTokens());
        e.setCompletionTokens(completion);
        e.setTotalTokens(prompt + completion);
        e.setCostMicros(facts.costMicros(result));
        e.setTokenSource(required(result.tokenSource(), "tokenSource"));
        e.setServedModel(result.servedModel());
        e.setStatus(required(result.status(), "status"));
        e.setErrorKind(required(result.errorKind(), "errorKind"));
        e.setHttpStatus(result.httpStatus());
        e.setLatencyMs(result.latencyMs());
        e.setTimeToFirstTokenMs(result.timeToFirstTokenMs());
        e.setUsageNote(result.usageNote());
        return e;
    }

    private static UsageEvent base(AttemptFacts f, Phase phase, long nowMillis) {
        UsageEvent e = new UsageEvent();
        e.setEventId(Ids.random());
        e.setCallId(required(f.callId(), "callId"));
        e.setAttempt(f.attempt());
        e.setPhase(phase);
        e.setTimestamp(java.time.Instant.ofEpochMilli(nowMillis));
        e.setGatewayId(required(f.gatewayId(), "gatewayId"));
        e.setEndpoint(required(f.endpoint(), "endpoint"));
        e.setApiKeyId(required(f.caller().keyId(), "apiKeyId"));
        e.setTenant(required(f.caller().tenant(), "tenant"));
        e.setTeam(required(f.caller().team(), "team"));
        e.setAgent(required(f.caller().agent(), "agent"));
        e.setSubAgent(f.caller().subAgent());
        e.setConversationId(f.caller().conversationId());
        e.setRequestedModel(required(f.requestedModel(), "requestedModel"));
        e.setModel(required(f.model().id(), "model"));
        e.setProvider(required(f.provider(), "provider"));
        e.setStream(f.stream());
        e.setFallback(f.fallback());
        e.setFallbackFrom(f.fallbackFrom());
        e.setRoutingReason(f.routingReason());
        e.setComplexityScore(f.complexityScore());
        e.setRoutedTier(f.routedTier());
        e.setRoutingFeatures(f.routingFeatures());
        e.setReservedPromptTokens(f.reservedPromptTokens());
        e.setReservedCompletionTokens(f.reservedCompletionTokens());
        e.setReservedTokens(f.reservedTokens());
        e.setReservedCostMicros(f.reservedCostMicros());
        e.setPriceSource(required(f.model().priceSource(), "priceSource"));
        e.setInputPriceMicrosPerMillion(f.model().inputPrice().value());
        e.setOutputPriceMicrosPerMillion(f.model().outputPrice().value());
        e.setCachedInputPriceMicrosPerMillion(f.model().cachedInputPrice().value());
        // the bounds metering judges the event's tokens by (UsagePlausibility)
        e.setContextWindow(f.model().contextWindow().value());
        e.setMaxOutputTokens(f.model().maxOutputTokens().value());
        return e;
    }

    /** A field the schema makes required: refused when null, as the builder refuses it, not when encoded. */
    private static <T> T required(T value, String field) {
        if (value == null) {
            throw new org.apache.avro.AvroRuntimeException("Field " + field + " of UsageEvent does not accept null values");
        }
        return value;
    }
}
