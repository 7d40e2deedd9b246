package io.tollgate.budget;

import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.budget.config.BudgetAlertsConfig;
import io.tollgate.budget.config.ConfigLoader;
import io.tollgate.budget.query.BudgetQueries;
import io.tollgate.budget.query.HttpApi;
import io.tollgate.budget.query.Peers;
import io.tollgate.budget.topology.BudgetTopology;
import io.tollgate.policy.deadletter.StreamsDeadLetters;
import io.tollgate.budget.topology.TopologyMetrics;
import io.tollgate.budget.webhook.WebhookDispatcher;
import io.tollgate.budget.webhook.WebhookSink;
import io.tollgate.policy.access.AccessToken;
import io.tollgate.policy.access.TokenFile;
import io.tollgate.policy.kafka.KafkaEnvironment;
import io.tollgate.policy.deadletter.DeadLetterPublisher;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.serde.AvroSerdeConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * budget-alerts: wires the topology, the REST API, metrics and the webhook sink. Run with
 * {@code main} (config from {@code --config <file>} and the environment) or embed with
 * {@code new BudgetAlertsApplication(config).start()} (the local-stack launcher does).
 */
public final class BudgetAlertsApplication implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BudgetAlertsApplication.class);

    private final BudgetAlertsConfig config;
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private volatile KafkaStreams streams;
    private KafkaStreamsMetrics streamsMetrics;
    private HttpApi http;
    private volatile Peers peers = Peers.none();
    private WebhookSink webhook;
    private DeadLetterPublisher deadLetters;

    public BudgetAlertsApplication(BudgetAlertsConfig config) {
        this.config = config;
    }

    public static void main(String[] args) throws InterruptedException {
        BudgetAlertsConfig config = ConfigLoader.load(ConfigLoader.configFile(args, System.getenv()));
        BudgetAlertsApplication app = new BudgetAlertsApplication(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "budget-alerts-shutdown"));
        app.start();
        stopped.await();
    }

    public synchronized BudgetAlertsApplication start() {
        // REST first: Streams must be told the address the other instances reach it at (application.server)
        BudgetTopology.Settings topologySettings = BudgetTopology.Settings.from(config);
        BudgetQueries queries = new BudgetQueries(this::store, topologySettings.defaultCalendar(),
                topologySettings.defaultQuotaWarning());
        AccessToken token = TokenFile.configuredOrFile(config.operatorToken(), config.stateDir().resolve(TokenFile.OPERATOR),
                "operator token", "TOLLGATE_OPERATOR_TOKEN");
        http = new HttpApi(queries, meters::scrape, this::alive,
                () -> streams != null && streams.state() == KafkaStreams.State.RUNNING,
                System::currentTimeMillis, token, () -> peers).start(config.httpHost(), config.httpPort());
        HostInfo self = advertised();
        Topics topics = Topics.withSerdeConfig(serdeConfig());
        StreamsBuilder builder = new StreamsBuilder();
        TopologyMetrics metrics = new TopologyMetrics(meters);
        deadLetters = new DeadLetterPublisher(config.kafka());
        BudgetTopology.build(builder, BudgetTopology.Settings.from(config), topics, metrics, deadLetters::publish);
        Properties props = streamsProperties();
        props.putIfAbsent(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
        // one error policy for both Streams applications: dead-letter the record that failed and go on
        StreamsDeadLetters.install(props, failure -> metrics.handled(failure.name()), deadLetters::publish);
        streams = new KafkaStreams(builder.build(), props);
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("budget-alerts stream thread failed; replacing it", e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(meters);
        streams.start();
        KafkaStreams running = streams;
        peers = new Peers(() -> running.metadataForAllStreamsClients().stream().map(StreamsMetadata::hostInfo).toList(),
                HostInfo.buildFromEndpoint(
                props.getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG)), Duration.ofSeconds(5), token);
        if (config.webhook() != null) {
            webhook = new WebhookSink(webhookConsumerProperties(), topics, new WebhookDispatcher(config.webhook(), meters),
                    deadLetters::publish, config.applicationId() + "-webhook").start();
        }
        LOG.info("budget-alerts started: application {} on {}, REST on port {}{}", config.applicationId(),
                config.bootstrapServers(), http.port(), config.webhook() == null ? "" : ", webhook " + config.webhook().url().getHost());
        return this;
    }

    /** The REST API's registered routes ({@code METHOD path}), after {@link #start()}. */
    public java.util.List<String> routes() {
        return http.routes();
    }

    /** The bound REST port (after {@link #start()}). */
    public int httpPort() {
        return http.port();
    }

    public KafkaStreams.State state() {
        return streams == null ? KafkaStreams.State.CREATED : streams.state();
    }

    /**
     * False once Streams has failed for good: ERROR (the global thread died: it cannot be replaced), or on its way
     * there. NOT_RUNNING and PENDING_SHUTDOWN count as failed only while this application has not been closed.
     */
    private boolean alive() {
        KafkaStreams s = streams;
        if (s == null) {
            return true;
        }
        return switch (s.state()) {
            case ERROR, PENDING_ERROR, NOT_RUNNING, PENDING_SHUTDOWN -> false;
            default -> true;
        };
    }

    /** The advertised URL's host and port, or the HTTP host (this machine's name for a wildcard) and bound port. */
    private HostInfo advertised() {
        if (config.advertisedUrl() != null) {
            return new HostInfo(config.advertisedUrl().getHost(), config.advertisedUrl().getPort());
        }
        String host = config.httpHost();
        if (host.equals("0.0.0.0") || host.equals("::") || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "localhost";
            }
        }
        return new HostInfo(host, http.port());
    }

    private <V> ReadOnlyKeyValueStore<String, V> store(String name) {
        if (streams == null) {
            throw new InvalidStateStoreException("budget-alerts is starting; its stores are not open yet");
        }
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()));
    }

    private Map<String, Object> serdeConfig() {
        Map<String, Object> serde = new HashMap<>();
        serde.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, config.schemaRegistryUrl());
        config.kafka().forEach((k, v) -> {
            if (k.startsWith("schema.registry.") || k.equals(AvroSerdeConfig.BASIC_AUTH_USER_INFO)
                    || k.equals(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS)) {
                serde.put(k, v);
            }
        });
        return serde;
    }

    Properties streamsProperties() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().resolve("budget-alerts").toString());
        // latency over throughput: an alert waits for the EOS commit of two hops (repartition and
        // output), and an idle thread commits only after its poll returns (measured in
        // docs/benchmarks-history.md, "budget-alerts: threshold crossing": p50 about 230 ms with
        // Streams' defaults, about 80 ms with these)
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "30");
        props.put(StreamsConfig.POLL_MS_CONFIG, "10");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        // a second instance keeps a warm copy of each task's stores, so losing an instance does not stop
        // queries and alerts for the time a restore from the changelogs takes
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, "1");
        props.putAll(serdeConfig());
        props.putAll(config.kafka()); // KAFKA_* wins over the defaults above
        return props;
    }

    private Map<String, Object> webhookConsumerProperties() {
        Map<String, Object> props = new HashMap<>(serdeConfig());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.putAll(KafkaEnvironment.security(config.kafka()));
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.applicationId() + "-webhook");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return props;
    }

    @Override
    public synchronized void close() {
        if (webhook != null) {
            webhook.close();
            webhook = null;
        }
        if (http != null) {
            http.close();
            http = null;
        }
        if (streams != null) {
            // leaving the group lets the next instance take the partitions at once instead of
            // after the session timeout
            streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(10)));
            streamsMetrics.close();
            streams = null;
        }
        if (deadLetters != null) {
            deadLetters.close();
            deadLetters = null;
        }
    }
}
