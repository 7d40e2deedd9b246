package io.tollgate.schemas.serde;

import static io.tollgate.schemas.serde.RecordLayout.Kind.BOOLEAN;
import static io.tollgate.schemas.serde.RecordLayout.Kind.INT;
import static io.tollgate.schemas.serde.RecordLayout.Kind.LONG;
import static io.tollgate.schemas.serde.RecordLayout.Kind.NULLABLE_DOUBLE;
import static io.tollgate.schemas.serde.RecordLayout.Kind.NULLABLE_LONG;
import static io.tollgate.schemas.serde.RecordLayout.Kind.NULLABLE_STRING;
import static io.tollgate.schemas.serde.RecordLayout.Kind.STRING;
import static io.tollgate.schemas.serde.RecordLayout.Kind.TIMESTAMP_MILLIS;
import static io.tollgate.schemas.serde.RecordLayout.enumField;
import static io.tollgate.schemas.serde.RecordLayout.field;

import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.Endpoint;
import io.tollgate.schemas.avro.ErrorKind;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.TokenSource;
import io.tollgate.schemas.avro.UsageEvent;
import java.time.Instant;
import java.util.List;

/**
 * Decodes a {@link UsageEvent} written with exactly today's schema, field by field in schema order. The
 * metering stream reads one per usage record, so this skips what Avro's resolving reader spends per record
 * (resolution actions, {@code Utf8} buffers, boxing through {@code put}) and shares the strings that repeat
 * on every event: who called (key, tenant, team, agent, sub-agent), which model, which gateway, provider,
 * price source, tier and routing reason. Ids that are new on every event or conversation (event, call,
 * conversation) and free text (routing features, usage note) are decoded each time: they would only churn
 * the caches.
 *
 * <p>A field added to {@code UsageEvent.avsc} must be added to {@link #LAYOUT} and {@link #read} in the
 * same place; until it is, the layout does not match the generated schema, the deserializer reads every
 * record with the resolving reader, and {@code UsageEventReaderTest} fails.
 */
final class UsageEventReader implements ExactSchemaReader<UsageEvent> {

    static final RecordLayout LAYOUT = new RecordLayout(UsageEvent.getClassSchema().getFullName(), List.of(
            field("eventId", STRING),
            field("callId", STRING),
            field("attempt", INT),
            enumField("phase", Phase.class),
            field("timestamp", TIMESTAMP_MILLIS),
            field("gatewayId", STRING),
            enumField("endpoint", Endpoint.class),
            field("apiKeyId", STRING),
            field("tenant", STRING),
            field("team", STRING),
            field("agent", STRING),
            field("conversationId", NULLABLE_STRING),
            field("requestedModel", STRING),
            field("model", STRING),
            field("provider", STRING),
            field("servedModel", NULLABLE_STRING),
            field("stream", BOOLEAN),
            field("fallback", BOOLEAN),
            field("fallbackFrom", NULLABLE_STRING),
            field("routingReason", NULLABLE_STRING),
            field("complexityScore", NULLABLE_DOUBLE),
            field("routedTier", NULLABLE_STRING),
            field("reservedPromptTokens", LONG),
            field("reservedCompletionTokens", LONG),
            field("reservedTokens", LONG),
            field("reservedCostMicros", LONG),
            field("promptTokens", LONG),
            field("cachedPromptTokens", LONG),
            field("completionTokens", LONG),
            field("totalTokens", LONG),
            field("costMicros", LONG),
            enumField("tokenSource", TokenSource.class),
            field("priceSource", STRING),
            field("inputPriceMicrosPerMillion", LONG),
            field("outputPriceMicrosPerMillion", LONG),
            field("cachedInputPriceMicrosPerMillion", LONG),
            enumField("status", CallStatus.class),
            enumField("errorKind", ErrorKind.class),
            field("httpStatus", INT),
            field("latencyMs", LONG),
            field("timeToFirstTokenMs", NULLABLE_LONG),
            field("routingFeatures", NULLABLE_STRING),
            field("subAgent", NULLABLE_STRING),
            field("contextWindow", INT),
            field("maxOutputTokens", INT),
            field("usageNote", NULLABLE_STRING)));

    private static final Phase[] PHASES = Phase.values();
    private static final Endpoint[] ENDPOINTS = Endpoint.values();
    private static final TokenSource[] TOKEN_SOURCES = TokenSource.values();
    private static final CallStatus[] STATUSES = CallStatus.values();
    private static final ErrorKind[] ERROR_KINDS = ErrorKind.values();

    /** Key ids, tenants, teams, agents, sub-agents: as many as a gateway fleet's callers. */
    private final RepeatedStrings callers = new RepeatedStrings(1024);
    /** Requested, served and fallback models share values, and so instances. */
    private final RepeatedStrings models = new RepeatedStrings(256);
    /** Gateway ids, providers, price sources, routed tiers: a handful each. */
    private final RepeatedStrings sources = new RepeatedStrings(64);
    /** A few templates ('requested', 'fallback of m: rpm'), and for routed calls a score in two decimals. */
    private final RepeatedStrings reasons = new RepeatedStrings(256);

    @Override
    public RecordLayout layout() {
        return LAYOUT;
    }

    @Override
    public UsageEvent read(BinaryCursor in) {
        // the no-argument constructor and setters: the Builder would validate and copy every field again
        UsageEvent e = new UsageEvent();
        e.setEventId(in.readString());
        e.setCallId(in.readString());
        e.setAttempt(in.readInt());
        e.setPhase(PHASES[in.readIndex("Phase", PHASES.length)]);
        e.setTimestamp(Instant.ofEpochMilli(in.readLong()));
        e.setGatewayId(in.readString(sources));
        e.setEndpoint(ENDPOINTS[in.readIndex("Endpoint", ENDPOINTS.length)]);
        e.setApiKeyId(in.readString(callers));
        e.setTenant(in.readString(callers));
        e.setTeam(in.readString(callers));
        e.setAgent(in.readString(callers));
        e.setConversationId(in.readNullableBranch() ? in.readString() : null);
        e.setRequestedModel(in.readString(models));
        e.setModel(in.readString(models));
        e.setProvider(in.readString(sources));
        e.setServedModel(in.readNullableBranch() ? in.readString(models) : null);
        e.setStream(in.readBoolean());
        e.setFallback(in.readBoolean());
        e.setFallbackFrom(in.readNullableBranch() ? in.readString(models) : null);
        e.setRoutingReason(in.readNullableBranch() ? in.readString(reasons) : null);
        e.setComplexityScore(in.readNullableBranch() ? in.readDouble() : null);
        e.setRoutedTier(in.readNullableBranch() ? in.readString(sources) : null);
        e.setReservedPromptTokens(in.readLong());
        e.setReservedCompletionTokens(in.readLong());
        e.setReservedTokens(in.readLong());
        e.setReservedCostMicros(in.readLong());
        e.setPromptTokens(in.readLong());
        e.setCachedPromptTokens(in.readLong());
        e.setCompletionTokens(in.readLong());
        e.setTotalTokens(in.readLong());
        e.setCostMicros(in.readLong());
        e.setTokenSource(TOKEN_SOURCES[in.readIndex("TokenSource", TOKEN_SOURCES.length)]);
        e.setPriceSource(in.readString(sources));
        e.setInputPriceMicrosPerMillion(in.readLong());
        e.setOutputPriceMicrosPerMillion(in.readLong());
        e.setCachedInputPriceMicrosPerMillion(in.readLong());
        e.setStatus(STATUSES[in.readIndex("CallStatus", STATUSES.length)]);
        e.setErrorKind(ERROR_KINDS[in.readIndex("ErrorKind", ERROR_KINDS.length)]);
        e.setHttpStatus(in.readInt());
        e.setLatencyMs(in.readLong());
        e.setTimeToFirstTokenMs(in.readNullableBranch() ? in.readLong() : null);
        e.setRoutingFeatures(in.readNullableBranch() ? in.readString() : null);
        e.setSubAgent(in.readNullableBranch() ? in.readString(callers) : null);
        e.setContextWindow(in.readInt());
        e.setMaxOutputTokens(in.readInt());
        e.setUsageNote(in.readNullableBranch() ? in.readString() : null);
        return e;
    }
}
