package io.tollgate.budget.query;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import io.tollgate.policy.access.AccessToken;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The other running instances of this application, as Kafka Streams knows them from each one's
 * {@code application.server}, and a way to ask one of them for its local answer. Budget state,
 * alert history and commands are partitioned: each instance holds only its tasks' share, so a
 * complete answer is this instance's plus every other's. Requests carry the operator token, which every
 * instance of the application shares.
 */
public final class Peers {

    /** Query parameter that asks an instance for its own partitions only (what peers send each other). */
    public static final String LOCAL_PARAM = "local";

    private final Supplier<Collection<HostInfo>> instances;
    private final HostInfo self;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Duration timeout;
    private final AccessToken token;

    /**
     * @param instances every instance hosting tasks, this one included (from
     *                  {@code KafkaStreams.metadataForAllStreamsClients()})
     * @param token     the operator token the other instances expect
     */
    public Peers(Supplier<Collection<HostInfo>> instances, HostInfo self, Duration timeout, AccessToken token) {
        this.instances = Objects.requireNonNull(instances, "instances");
        this.self = Objects.requireNonNull(self, "self");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.token = Objects.requireNonNull(token, "token");
    }

    /** No other instance: a single instance answers alone. */
    public static Peers none() {
        return new Peers(List::of, new HostInfo("unknown", 0), Duration.ofSeconds(1), AccessToken.generate());
    }

    public HostInfo self() {
        return self;
    }

    /** Every other instance that currently hosts tasks of this application. */
    public List<HostInfo> others() {
        return instances.get().stream().filter(h -> !h.equals(self) && h.port() > 0).distinct().toList();
    }

    /** The body of {@code GET <pathAndQuery>} at {@code peer}; {@link Unavailable} when it cannot answer 200. */
    public String get(HostInfo peer, String pathAndQuery) {
        URI uri = URI.create("http://" + peer.host() + ":" + peer.port() + pathAndQuery);
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(timeout)
                    .header("Authorization", token.authorization()).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 401) {
                throw new Unavailable("instance " + peer + " refused this instance's operator token; every instance of"
                        + " the application must be given the same TOLLGATE_OPERATOR_TOKEN");
            }
            if (response.statusCode() != 200) {
                throw new Unavailable("instance " + peer + " answered " + response.statusCode() + " to " + pathAndQuery
                        + ": " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new Unavailable("instance " + peer + " did not answer " + pathAndQuery + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted while asking instance " + peer, e);
        }
    }

    /** Another instance could not give its share of an answer: the whole answer would be incomplete. */
    public static final class Unavailable extends RuntimeException {
        public Unavailable(String message) {
            super(message);
        }

        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
