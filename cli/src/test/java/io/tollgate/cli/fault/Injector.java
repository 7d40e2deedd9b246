package io.tollgate.cli.fault;

import io.tollgate.policy.price.Cost;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.Endpoint;
import io.tollgate.schemas.avro.ErrorKind;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.TokenSource;
import io.tollgate.schemas.avro.UsageEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes records straight to the stack's topics, as a buggy or hostile writer could: usage events built here
 * (priced with {@link Cost} at {@link FaultPolicy#PRICE}, so that only what a test makes wrong is wrong), and poison
 * of every unreadable kind. Each write returns where it landed, so the test finds its dead letter.
 */
public final class Injector implements AutoCloseable {

    /** The kinds of bytes no reader can take for the topic's records. */
    public enum Unreadable {
        /** Not the Confluent wire format at all. */
        GARBAGE,
        /** The wire format's magic byte and a schema id the registry does not know. */
        UNKNOWN_SCHEMA,
        /** A valid Avro record of another topic's type. */
        OTHER_TYPE
    }

    private final KafkaProducer<String, byte[]> producer;
    private final Topics topics;

    public Injector(FaultStack stack) {
        this.producer = new KafkaProducer<>(stack.connection().producer(), new StringSerializer(),
                new ByteArraySerializer());
        this.topics = stack.topics();
    }

    /** Writes {@code value} as it is under {@code key} (null: a record without a key). */
    public RecordMetadata raw(String topic, String key, byte[] value) {
        try {
            return producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing to " + topic, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot write to " + topic + ": " + e.getCause(), e.getCause());
        }
    }

    /** Writes a record of the topic's own type, serialized as its services' serde does. */
    public <V> RecordMetadata typed(Topics.Topic<String, V> topic, String key, V value) {
        return raw(topic.name(), key, topic.valueSerde().serializer().serialize(topic.name(), value));
    }

    public RecordMetadata usage(UsageEvent event) {
        return typed(topics.usage(), event.getApiKeyId(), event);
    }

    /** Writes an unreadable record of {@code kind} to {@code topic} under {@code key}. */
    public RecordMetadata unreadable(String topic, String key, Unreadable kind) {
        return raw(topic, key, bytes(topic, kind));
    }

    private byte[] bytes(String topic, Unreadable kind) {
        return switch (kind) {
            case GARBAGE -> ("not a record of " + topic).getBytes(StandardCharsets.UTF_8);
            case UNKNOWN_SCHEMA -> ByteBuffer.allocate(9).put((byte) 0).putInt(987_654_321).putInt(42).array();
            case OTHER_TYPE -> {
                // a usage event where it is foreign, a routing command on the usage topic
                UsageEvent stranger = request("stranger", UUID.randomUUID().toString(), System.currentTimeMillis(), 10, 5);
                if (topic.equals(Topics.USAGE)) {
                    Serializer<io.tollgate.schemas.avro.SpendTotal> spend = topics.spend().valueSerde().serializer();
                    yield spend.serialize(Topics.SPEND, io.tollgate.schemas.avro.SpendTotal.newBuilder()
                            .setScopeType(io.tollgate.schemas.avro.ScopeType.TEAM).setScopeId("stranger")
                            .setPeriod(io.tollgate.schemas.avro.PeriodType.DAY).setPeriodKey("2026-01-01")
                            .setPeriodStartMillis(0).setPeriodEndMillis(1).setZone("UTC").setCostMicros(1)
                            .setInFlightMicros(0).setRequests(1).setPromptTokens(1).setCompletionTokens(1)
                            .setCostByModel(java.util.Map.of()).setCostByAgent(java.util.Map.of())
                            .setLastEventTime(0).setUpdatedAt(0).build());
                }
                yield topics.usage().valueSerde().serializer().serialize(Topics.USAGE, stranger);
            }
        };
    }

    /**
     * A REQUEST of {@code team}'s key for its model at {@code timestamp}, reserving {@code prompt} and
     * {@code maxCompletion} tokens.
     */
    public static UsageEvent request(String team, String callId, long timestamp, long prompt, long maxCompletion) {
        return UsageEvent.newBuilder()
                .setEventId(UUID.randomUUID().toString()).setCallId(callId).setAttempt(1).setPhase(Phase.REQUEST)
                .setTimestamp(java.time.Instant.ofEpochMilli(timestamp)).setGatewayId("injector").setEndpoint(Endpoint.CHAT_COMPLETIONS)
                .setApiKeyId(FaultPolicy.keyId(team)).setTenant("acme").setTeam(team).setAgent(FaultPolicy.agent(team))
                .setRequestedModel(FaultPolicy.model(team)).setModel(FaultPolicy.model(team)).setProvider("simulated")
                .setReservedPromptTokens(prompt).setReservedCompletionTokens(maxCompletion)
                .setReservedTokens(prompt + maxCompletion)
                .setReservedCostMicros(Cost.micros(prompt, maxCompletion, FaultPolicy.PRICE))
                .setTokenSource(TokenSource.COUNTED).setPriceSource("config")
                .setInputPriceMicrosPerMillion(FaultPolicy.PRICE.inputMicrosPerMillion())
                .setCachedInputPriceMicrosPerMillion(FaultPolicy.PRICE.cachedInputMicrosPerMillion())
                .setOutputPriceMicrosPerMillion(FaultPolicy.PRICE.outputMicrosPerMillion())
                .setStatus(CallStatus.ADMITTED).setErrorKind(ErrorKind.NONE)
                .setContextWindow(128_000).setMaxOutputTokens(16_384)
                .build();
    }

    /** The RESPONSE of {@code request} at {@code timestamp}: {@code prompt} and {@code completion} tokens served. */
    public static UsageEvent response(UsageEvent request, long timestamp, long prompt, long completion) {
        return UsageEvent.newBuilder(request).setEventId(UUID.randomUUID().toString()).setPhase(Phase.RESPONSE)
                .setTimestamp(java.time.Instant.ofEpochMilli(timestamp)).setPromptTokens(prompt).setCompletionTokens(completion)
                .setTotalTokens(prompt + completion).setCostMicros(Cost.micros(prompt, completion, FaultPolicy.PRICE))
                .setTokenSource(TokenSource.PROVIDER).setStatus(CallStatus.SUCCESS).setHttpStatus(200).setLatencyMs(5)
                .build();
    }

    @Override
    public void close() {
        producer.close();
    }
}
