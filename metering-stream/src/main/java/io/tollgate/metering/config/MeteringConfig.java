package io.tollgate.metering.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import io.tollgate.policy.access.AccessToken;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Everything the metering application needs, typed and validated. Built by {@link MeteringConfigLoader}
 * from a properties/YAML file plus {@code TOLLGATE_*} / {@code KAFKA_*} environment variables; every key is
 * listed in the module README.
 *
 * @param statusPerCommit quota status of each changed key published when the task commits ({@code per-commit},
 *                        the default) rather than for every event ({@code every-event})
 * @param kafka extra Kafka properties ({@code bootstrap.servers}, security, ...) passed to Streams, the dashboard's
 *              consumer and the admin client as is
 * @param operatorToken what every request to the query API must send ({@code operator.token},
 *                      {@code TOLLGATE_OPERATOR_TOKEN}); empty: the token of {@code <state.dir>/operator-token},
 *                      generated there at start when missing
 */
public record MeteringConfig(
        String applicationId,
        String schemaRegistryUrl,
        String httpHost,
        int httpPort,
        URI advertisedUrl,
        Path stateDir,
        ZoneId zone,
        int resetHour,
        Duration grace,
        Duration maxFutureSkew,
        Duration settleAfter,
        Duration dedupeRetention,
        Duration pendingRetention,
        Duration periodRetention,
        Duration healthRetention,
        Duration callsRetention,
        int standbyReplicas,
        int streamThreads,
        long commitIntervalMs,
        boolean createTopics,
        int topicPartitions,
        short topicReplication,
        boolean statusPerCommit,
        Map<String, String> kafka,
        Optional<AccessToken> operatorToken) {

    /** The most an event time may be believed ahead of the clock: a broker refuses records an hour ahead by default. */
    public static final Duration MAX_FUTURE_SKEW = Duration.ofHours(1);

    /** Quota status must reach the gateway quickly: its view lags by at most one commit interval. */
    public static final long MAX_COMMIT_INTERVAL_MS = 100;

    public MeteringConfig {
        require(applicationId != null && !applicationId.isBlank(), "application.id", applicationId, "a non-empty id");
        require(schemaRegistryUrl != null && !schemaRegistryUrl.isBlank(), "schema.registry.url", schemaRegistryUrl,
                "http(s)://host:port or mock://<scope>");
        require(httpPort >= 0 && httpPort <= 65535, "metering.http.port", httpPort, "0..65535 (0 = any free port)");
        require(resetHour >= 0 && resetHour <= 23, "reset.hour", resetHour, "0..23");
        require(!grace.isNegative(), "metering.grace", grace, "zero or more");
        require(dedupeRetention.compareTo(grace) > 0, "metering.dedupe.retention", dedupeRetention,
                "longer than metering.grace (" + grace + "), or a late duplicate would be counted twice");
        require(!maxFutureSkew.isNegative() && maxFutureSkew.compareTo(MAX_FUTURE_SKEW) <= 0, "metering.max.future.skew",
                maxFutureSkew, "0.." + MAX_FUTURE_SKEW + " (how far ahead of the clock an event time is believed)");
        require(settleAfter.compareTo(Duration.ofMinutes(1)) >= 0, "metering.settle.after", settleAfter,
                "at least 1m, longer than the longest request timeout plus retries and a stream's whole answer");
        require(pendingRetention.isPositive(), "metering.pending.retention", pendingRetention, "a positive duration");
        require(callsRetention.compareTo(dedupeRetention) >= 0, "metering.calls.retention", callsRetention,
                "at least metering.dedupe.retention (" + dedupeRetention + "): a repeated event is recognised by its"
                        + " call's entries, which must be kept that long");
        require(commitIntervalMs > 0 && commitIntervalMs <= MAX_COMMIT_INTERVAL_MS, "metering.commit.interval.ms",
                commitIntervalMs, "1.." + MAX_COMMIT_INTERVAL_MS);
        require(standbyReplicas >= 0, "metering.standby.replicas", standbyReplicas, "zero or more");
        require(streamThreads >= 1, "metering.stream.threads", streamThreads, "one or more");
        require(topicPartitions >= 1, "metering.topic.partitions", topicPartitions, "one or more");
        require(topicReplication >= 1, "metering.topic.replication", topicReplication, "one or more");
        require(kafka.containsKey(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG), "kafka.bootstrap.servers", null,
                "the Kafka brokers, e.g. KAFKA_BOOTSTRAP_SERVERS=localhost:9092");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(operatorToken, "operatorToken");
        kafka = Map.copyOf(kafka);
    }

    /** The settings, with only the names of the Kafka properties ({@code sasl.jaas.config} holds a password). */
    @Override
    public String toString() {
        return "MeteringConfig[applicationId=" + applicationId + ", schemaRegistryUrl=" + schemaRegistryUrl + ", http="
                + httpHost + ":" + httpPort + ", advertisedUrl=" + advertisedUrl + ", stateDir=" + stateDir + ", zone="
                + zone + ", resetHour=" + resetHour + ", kafka=" + new TreeSet<>(kafka.keySet()) + ", operatorToken="
                + operatorToken + "]";
    }

    /** A copy that advertises {@code url} (used when the HTTP port was chosen at start). */
    public MeteringConfig withAdvertisedUrl(URI url) {
        return new MeteringConfig(applicationId, schemaRegistryUrl, httpHost, httpPort, url, stateDir, zone, resetHour,
                grace, maxFutureSkew, settleAfter, dedupeRetention, pendingRetention, periodRetention, healthRetention,
                callsRetention, standbyReplicas,
                streamThreads, commitIntervalMs, createTopics, topicPartitions, topicReplication, statusPerCommit, kafka,
                operatorToken);
    }

    /** Kafka Streams properties: Tollgate's fixed choices first, then the {@code kafka} map may add to them. */
    public Properties streamsProperties() {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // the classic protocol reaches RUNNING in 2-3 s here, the streams protocol in about 7 s
        props.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, "classic");
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, standbyReplicas);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streamThreads);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Every task reads one partition (MeteringTopologyTest), so there is no other partition to wait for; disabled,
        // Streams skips the per-record check of every partition's buffer that waiting would need.
        props.putIfAbsent(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        // With transactions v2 the broker verifies the first write of a transaction to each partition; a second
        // in-flight batch to that partition is refused as out of order and retried after retry.backoff.ms,
        // which adds ~100 ms to commits (KAFKA-18202). One request in flight per broker avoids the retry.
        props.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION), 1);
        props.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 131_072);
        if (advertisedUrl != null) {
            props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, advertisedUrl.getHost() + ':' + advertisedUrl.getPort());
        }
        Properties properties = new Properties();
        properties.putAll(props);
        return properties;
    }

    private static void require(boolean ok, String key, Object value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException("metering config '" + key + "' is " + value + "; expected " + expected);
        }
    }
}
