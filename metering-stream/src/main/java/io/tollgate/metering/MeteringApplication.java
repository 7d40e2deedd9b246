package io.tollgate.metering;

import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.metering.config.MeteringConfig;
import io.tollgate.metering.config.MeteringConfigLoader;
import io.tollgate.metering.dlq.DeadLetterReason;
import io.tollgate.policy.deadletter.StreamsDeadLetters;
import io.tollgate.metering.metrics.MeteringMetrics;
import io.tollgate.policy.deadletter.DeadLetterPublisher;
import io.tollgate.metering.query.CommittedEnds;
import io.tollgate.metering.query.InstanceRouter;
import io.tollgate.metering.query.LocalQueries;
import io.tollgate.metering.query.OperatorGuard;
import io.tollgate.metering.query.QueryServer;
import io.tollgate.metering.topics.TopicSetup;
import io.tollgate.metering.topology.MeteringTopology;
import io.tollgate.metering.topology.TopologySettings;
import io.tollgate.policy.access.AccessToken;
import io.tollgate.policy.access.TokenFile;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metering service: wires configuration, the topology, Kafka Streams, metrics and the query server.
 * Usable as a library ({@code new MeteringApplication(config).start()}, then {@link #close()}) and as a
 * process ({@link #main}: optional config file path as the only argument).
 */
public final class MeteringApplication implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MeteringApplication.class);

    private final MeteringConfig config;
    private final Clock clock;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private QueryServer server;
    private io.tollgate.metering.dashboard.DashboardFeed dashboardFeed;
    private KafkaStreams streams;
    private KafkaStreamsMetrics streamsMetrics;
    private DeadLetterPublisher deadLetters;
    private CommittedEnds committedEnds;
    private URI advertisedUrl;

    public MeteringApplication(MeteringConfig config) {
        this(config, Clock.systemUTC());
    }

    public MeteringApplication(MeteringConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /** Starts the HTTP server, then Kafka Streams (which needs the advertised address); returns at once. */
    public synchronized MeteringApplication start() {
        if (streams != null) {
            throw new IllegalStateException("metering application " + config.applicationId() + " is already started");
        }
        if (config.createTopics()) {
            TopicSetup.ensure(config);
        }
        AccessToken token = TokenFile.configuredOrFile(config.operatorToken(), config.stateDir().resolve(TokenFile.OPERATOR),
                "operator token", "TOLLGATE_OPERATOR_TOKEN");
        server = new QueryServer(clock, metrics, new OperatorGuard(token));
        dashboardFeed = io.tollgate.metering.dashboard.DashboardFeed.start(config);
        server.dashboardFeed(dashboardFeed);
        int port = server.start(config.httpHost(), config.httpPort());
        advertisedUrl = config.advertisedUrl() != null ? config.advertisedUrl() : URI.create("http://localhost:" + port);
        MeteringConfig effective = config.withAdvertisedUrl(advertisedUrl);
        MeteringMetrics meteringMetrics = new MeteringMetrics(metrics);
        deadLetters = new DeadLetterPublisher(config.kafka());
        TopologySettings settings = TopologySettings.from(effective, meteringMetrics, clock, deadLetters::publish);
        Properties props = effective.streamsProperties();
        // one error policy for both Streams applications: dead-letter the record that failed and go on
        StreamsDeadLetters.install(props, failure -> meteringMetrics.deadLetter(DeadLetterReason.valueOf(failure.name())),
                deadLetters::publish);
        streams = new KafkaStreams(MeteringTopology.build(settings), props);
        streams.setStateListener((now, before) -> LOG.info("metering {} -> {}", before, now));
        // a stream thread that dies on something no handler dead-lettered is replaced; the global thread cannot
        // be, and its death puts the application in ERROR, which /healthz reports so that it is restarted
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("metering stream thread failed; replacing it", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(metrics);
        HostInfo self = new HostInfo(advertisedUrl.getHost(), advertisedUrl.getPort());
        committedEnds = new CommittedEnds(config.kafka());
        server.attach(new QueryServer.Backend(streams, new LocalQueries(streams, config.zone(), config.resetHour(),
                settings.topics().<io.tollgate.schemas.avro.Policy>valueSerde(io.tollgate.schemas.avro.Policy.class).deserializer()),
                new InstanceRouter(streams, self, token, config.applicationId(), committedEnds::of)));
        streams.start();
        LOG.info("metering {} serving queries on port {} as {}", config.applicationId(), port, advertisedUrl);
        return this;
    }

    public URI advertisedUrl() {
        return advertisedUrl;
    }

    public KafkaStreams.State state() {
        return streams == null ? KafkaStreams.State.CREATED : streams.state();
    }

    /** The query server's registered routes ({@code METHOD path}), after {@link #start()}. */
    public java.util.List<String> routes() {
        return server.routes();
    }

    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    @Override
    public synchronized void close() {
        if (streams != null) {
            // leaving the group hands this instance's tasks to the others at once instead of after the session
            // timeout (45 s by default), during which their keys' queries could not be answered
            streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(30)));
        }
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        if (deadLetters != null) {
            deadLetters.close();
        }
        if (committedEnds != null) {
            committedEnds.close();
        }
        if (server != null) {
            server.close();
        }
        if (dashboardFeed != null) {
            dashboardFeed.close();
        }
        metrics.close();
    }

    public static void main(String[] args) throws InterruptedException {
        String file = args.length > 0 ? args[0] : System.getenv("TOLLGATE_METERING_CONFIG");
        MeteringConfig config = MeteringConfigLoader.load(file == null || file.isBlank() ? null : Path.of(file));
        MeteringApplication app = new MeteringApplication(config).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "metering-shutdown"));
        stopped.await();
    }
}
