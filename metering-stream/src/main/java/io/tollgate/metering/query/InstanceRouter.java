package io.tollgate.metering.query;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import io.tollgate.policy.access.AccessToken;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.LagInfo;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Finds which instance hosts a key ({@code queryMetadataForKey}, fed by {@code application.server}) and
 * forwards a query there over HTTP. A forwarded request carries {@link #FORWARDED_HEADER} so it is never
 * forwarded twice (metadata that moved in between answers 503 instead of looping). Forwarded requests send
 * the operator token, which every instance of the application shares.
 */
public final class InstanceRouter {

    public static final String FORWARDED_HEADER = "X-Tollgate-Forwarded";

    /** Thrown while the owner of a key is not known (rebalancing, starting, restoring). */
    public static final class Unavailable extends RuntimeException {
        public Unavailable(String message) {
            super(message);
        }
    }

    /** A relayed answer. */
    public record Relayed(int status, String contentType, String body) {
    }

    private final KafkaStreams streams;
    private final HostInfo self;
    private final AccessToken token;
    private final String applicationId;
    private final ToLongFunction<TopicPartition> committedEnd;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * @param applicationId names the stores' changelog topics ({@code <application id>-<store>-changelog})
     * @param committedEnd  a partition's last stable offset ({@link CommittedEnds#of})
     */
    public InstanceRouter(KafkaStreams streams, HostInfo self, AccessToken token, String applicationId,
                          ToLongFunction<TopicPartition> committedEnd) {
        this.streams = streams;
        this.self = self;
        this.token = token;
        this.applicationId = applicationId;
        this.committedEnd = committedEnd;
    }

    public HostInfo self() {
        return self;
    }

    /** The instance hosting the active copy of {@code key} in {@code store}; empty means this one. */
    public Optional<HostInfo> remoteOwner(String store, String key) {
        if (streams.state() != KafkaStreams.State.RUNNING) {
            throw new Unavailable("metering is " + streams.state() + "; ownership of '" + key + "' is being assigned");
        }
        KeyQueryMetadata metadata = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
        if (metadata == null || metadata.equals(KeyQueryMetadata.NOT_AVAILABLE) || metadata.activeHost() == null
                || metadata.activeHost().port() < 0) {
            throw new Unavailable("no instance hosts store " + store + " for key '" + key + "' yet");
        }
        return metadata.activeHost().equals(self) ? Optional.empty() : Optional.of(metadata.activeHost());
    }

    /**
     * The offset lag of a caught-up copy: under exactly-once a changelog's committed records end with a transaction
     * marker, which a copy never counts as consumed, so one that has every committed record still lags by 1.
     */
    private static final long CAUGHT_UP_LAG = 1;

    /**
     * True when this instance holds a copy of the partition of {@code key} in {@code store} (the active task or a
     * standby replica) that has caught up with its changelog's committed records ({@link #CAUGHT_UP_LAG}): a copy
     * that answers what the owner last committed. Measured against the log end first, and else against the last
     * stable offset: records of a transaction still open (the owner was killed mid-transaction, or under load is in
     * the middle of one) may never be committed, and no copy can read them. False whenever that cannot be known
     * (metadata not available, a copy still restoring, the broker not answering).
     */
    public boolean hasCaughtUpCopy(String store, String key) {
        try {
            KeyQueryMetadata metadata = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
            if (metadata == null || metadata.equals(KeyQueryMetadata.NOT_AVAILABLE)
                    || !(self.equals(metadata.activeHost()) || metadata.standbyHosts().contains(self))) {
                return false;
            }
            LagInfo lag = streams.allLocalStorePartitionLags().getOrDefault(store, Map.of()).get(metadata.partition());
            if (lag == null) {
                return false;
            }
            if (lag.offsetLag() <= CAUGHT_UP_LAG) {
                return true;
            }
            TopicPartition changelog = new TopicPartition(applicationId + "-" + store + "-changelog", metadata.partition());
            return committedEnd.applyAsLong(changelog) - lag.currentOffsetPosition() <= CAUGHT_UP_LAG;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Every other instance that hosts {@code store}. */
    public List<HostInfo> others(String store) {
        if (streams.state() != KafkaStreams.State.RUNNING) {
            throw new Unavailable("metering is " + streams.state());
        }
        return streams.streamsMetadataForStore(store).stream().map(StreamsMetadata::hostInfo)
                .filter(h -> !h.equals(self)).distinct().toList();
    }

    /** GETs {@code pathAndQuery} from {@code host}; a host that cannot be reached reads as rebalancing. */
    public Relayed forward(HostInfo host, String pathAndQuery) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host.host() + ':' + host.port() + pathAndQuery))
                .header(FORWARDED_HEADER, self.host() + ':' + self.port()).header("Authorization", token.authorization()).timeout(Duration.ofSeconds(10)).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 401) {
                throw new Unavailable("instance " + host + " refused this instance's operator token; every instance of"
                        + " the application must be given the same TOLLGATE_OPERATOR_TOKEN");
            }
            return new Relayed(response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse("application/json"), response.body());
        } catch (IOException e) {
            throw new Unavailable("owner " + host + " did not answer (" + e.getMessage() + "); it may be leaving the group");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted while asking " + host);
        }
    }
}
