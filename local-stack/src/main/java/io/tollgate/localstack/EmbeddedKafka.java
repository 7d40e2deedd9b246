package io.tollgate.localstack;

import io.tollgate.schemas.Topics;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka (KRaft, combined broker and controller) inside this JVM, built from
 * Kafka's production classes the way {@code kafka-storage format} and {@code kafka-server-start}
 * do it. Listens on 127.0.0.1 only. For tests and the local stack, never production.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.builder().build().start()) {
 *     kafka.createTopics(Topics.specs(), 1);
 *     String bootstrap = kafka.bootstrapServers();
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** How {@link #main}'s one machine-readable line starts once the broker serves and the topics exist. */
    public static final String READY = "tollgate-kafka ready";

    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    private final Path dataDir;
    private final boolean deleteOnClose;
    private final int port;
    private final int controllerPort;
    private final Map<String, String> extraProperties;
    /** Users of the SASL/PLAIN listener (name -> password); empty: no such listener. */
    private final Map<String, String> saslUsers;
    private final int saslPort;
    private KafkaRaftServer server;
    private boolean closed;

    private EmbeddedKafka(Builder builder) {
        try {
            this.deleteOnClose = builder.dataDir == null;
            this.dataDir = builder.dataDir != null ? builder.dataDir.toAbsolutePath()
                    : Files.createTempDirectory("tollgate-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary data directory for the embedded broker", e);
        }
        // the voters setting needs concrete ports, so pick them before writing the config
        this.port = Ports.resolve(builder.port);
        this.controllerPort = Ports.resolve(builder.controllerPort);
        this.extraProperties = Map.copyOf(builder.extraProperties);
        this.saslUsers = Map.copyOf(builder.saslUsers);
        this.saslPort = saslUsers.isEmpty() ? -1 : Ports.free();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Formats the storage (unless already formatted) and starts the broker; returns once it is unfenced. */
    public synchronized EmbeddedKafka start() {
        if (server != null) {
            throw new IllegalStateException("embedded broker at " + bootstrapServers() + " is already started");
        }
        if (closed) {
            throw new IllegalStateException("embedded broker was closed; build a new one");
        }
        long started = System.nanoTime();
        Map<String, String> properties = brokerProperties();
        format(properties);
        KafkaRaftServer raftServer = new KafkaRaftServer(new KafkaConfig(properties, false), Time.SYSTEM);
        try {
            raftServer.startup();
        } catch (RuntimeException e) {
            stopQuietly(raftServer);
            throw new IllegalStateException("embedded broker failed to start on 127.0.0.1:" + port
                    + " (data in " + dataDir + "): " + e.getMessage(), e);
        }
        server = raftServer;
        LOG.info("embedded Kafka broker on {} started in {} ms (data in {})", bootstrapServers(),
                (System.nanoTime() - started) / 1_000_000, dataDir);
        return this;
    }

    /**
     * The broker on its own, in its own process, so that it can be stopped and restarted by itself (the fault
     * suite and the chaos benchmark kill it): {@code --data-dir DIR [--port N] [--controller-port M]
     * [--partitions P]} ({@link BrokerOptions}). Starts on the data (reused when present: same cluster id,
     * topics and records, also after the process was killed), creates Tollgate's missing topics, prints one
     * line starting with {@value #READY} and its {@code bootstrap.servers}, and stops on SIGTERM.
     */
    public static void main(String[] args) {
        BrokerOptions options;
        try {
            if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
                System.out.println(BrokerOptions.USAGE);
                return;
            }
            options = BrokerOptions.parse(List.of(args));
        } catch (IllegalArgumentException e) {
            System.err.println("EmbeddedKafka: " + e.getMessage());
            System.exit(2);
            return;
        }
        LocalStack.quietLogging();
        EmbeddedKafka kafka = builder().dataDir(options.dataDir()).port(options.port())
                .controllerPort(options.controllerPort()).build();
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "tollgate-kafka-shutdown"));
        try {
            kafka.start();
            kafka.createTopics(Topics.specs(), options.partitions());
        } catch (RuntimeException e) {
            System.err.println("EmbeddedKafka: " + e.getMessage());
            System.exit(1);
        }
        System.out.println(READY + " bootstrap.servers=" + kafka.bootstrapServers() + " controller.port="
                + kafka.controllerPort + " data.dir=" + kafka.dataDir());
        System.out.flush();
    }

    /** {@code 127.0.0.1:<port>}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:<port>} of the SASL_PLAINTEXT listener ({@link Builder#saslPlainListener}). */
    public String saslBootstrapServers() {
        if (saslUsers.isEmpty()) {
            throw new IllegalStateException("this broker has no SASL listener; build it with saslPlainListener(users)");
        }
        return "127.0.0.1:" + saslPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The broker configuration this instance runs with (after defaults and extra properties). */
    public Map<String, String> brokerProperties() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(NODE_ID));
        props.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + port + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", logDir().toString());
        props.put("metadata.log.dir", metadataDir().toString());
        props.put("num.partitions", "1");
        props.put("default.replication.factor", "1");
        props.put("min.insync.replicas", "1");
        // internal topics: one replica, and few partitions so coordinators load fast on 2 cores
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("share.coordinator.state.topic.num.partitions", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("log.cleaner.dedupe.buffer.size", Integer.toString(4 * 1024 * 1024));
        if (!saslUsers.isEmpty()) {
            // a second client listener that authenticates (PLAIN); the broker itself stays on PLAINTEXT
            props.put("listeners", props.get("listeners") + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort);
            props.put("advertised.listeners", props.get("advertised.listeners") + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort);
            props.put("listener.security.protocol.map", props.get("listener.security.protocol.map")
                    + ",SASL_PLAINTEXT:SASL_PLAINTEXT");
            props.put("sasl.enabled.mechanisms", "PLAIN");
            props.put("listener.name.sasl_plaintext.sasl.enabled.mechanisms", "PLAIN");
            StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
            saslUsers.forEach((user, password) -> jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
            props.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas.append(';').toString());
        }
        props.putAll(extraProperties);
        return props;
    }

    /**
     * Creates the topics that do not exist yet, each with {@code partitions} partitions, one replica
     * and the spec's cleanup and retention. Safe to call again: existing topics are left as they are.
     */
    public void createTopics(List<Topics.TopicSpec> specs, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
        }
        List<NewTopic> newTopics = new ArrayList<>();
        for (Topics.TopicSpec spec : specs) {
            newTopics.add(new NewTopic(spec.name(), partitions, (short) 1).configs(spec.configs()));
        }
        try (Admin admin = Admin.create(adminProperties())) {
            Set<String> existing = admin.listTopics().names().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = newTopics.stream().filter(t -> !existing.contains(t.name())).toList();
            if (missing.isEmpty()) {
                return;
            }
            for (var result : admin.createTopics(missing).values().entrySet()) {
                try {
                    result.getValue().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic '" + result.getKey() + "' on "
                                + bootstrapServers() + ": " + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics on " + bootstrapServers(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot list topics on " + bootstrapServers() + ": " + e, e);
        }
    }

    /** Admin client properties for this broker. */
    public Map<String, Object> adminProperties() {
        Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "tollgate-embedded-admin");
        return props;
    }

    /** Stops the broker and waits for it; deletes the data directory if it was a temporary one. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (server != null) {
            stopQuietly(server);
            server = null;
        }
        if (deleteOnClose) {
            deleteRecursively(dataDir);
        }
    }

    private void format(Map<String, String> properties) {
        if (Files.exists(logDir().resolve("meta.properties")) && Files.exists(metadataDir().resolve("meta.properties"))) {
            return; // formatted by an earlier run: reuse it with its cluster id
        }
        try {
            Files.createDirectories(logDir());
            Files.createDirectories(metadataDir());
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(properties.get("metadata.log.dir"))
                    .addDirectory(properties.get("log.dirs"))
                    .addDirectory(properties.get("metadata.log.dir"))
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format Kafka storage in " + dataDir + ": " + e.getMessage()
                    + " (delete the directory to start fresh)", e);
        }
    }

    private Path logDir() {
        return dataDir.resolve("logs");
    }

    private Path metadataDir() {
        return dataDir.resolve("metadata");
    }

    private static void stopQuietly(KafkaRaftServer raftServer) {
        try {
            raftServer.shutdown();
        } finally {
            raftServer.awaitShutdown();
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the embedded broker's data directory " + root, e);
        }
    }

    /** Options of an {@link EmbeddedKafka}; every one has a default. */
    public static final class Builder {
        private Path dataDir;
        private int port;
        private int controllerPort;
        private final Map<String, String> extraProperties = new LinkedHashMap<>();
        private final Map<String, String> saslUsers = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Adds a SASL_PLAINTEXT listener with the PLAIN mechanism on a free port of 127.0.0.1
         * ({@link #saslBootstrapServers()}) that accepts {@code users} (name -> password): for tests of clients
         * that authenticate. The PLAINTEXT listener stays, for the broker itself and for test set-up.
         */
        public Builder saslPlainListener(Map<String, String> users) {
            if (users.isEmpty()) {
                throw new IllegalArgumentException("a SASL listener needs at least one user (name -> password)");
            }
            saslUsers.putAll(users);
            return this;
        }

        /** Keep data here (created if absent, kept on close); default: a temporary directory deleted on close. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** The client port on 127.0.0.1; 0 (the default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be 0 (any free port) or 1..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** The KRaft controller port on 127.0.0.1; 0 (the default) picks a free one. */
        public Builder controllerPort(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("controller port must be 0 (any free port) or 1..65535, got " + port);
            }
            this.controllerPort = port;
            return this;
        }

        /** A broker property that overrides the defaults, e.g. {@code log.retention.ms}. */
        public Builder brokerProperty(String key, String value) {
            extraProperties.put(key, value);
            return this;
        }

        public Builder brokerProperties(Map<String, String> properties) {
            extraProperties.putAll(properties);
            return this;
        }

        public EmbeddedKafka build() {
            return new EmbeddedKafka(this);
        }

        /** {@code build().start()}. */
        public EmbeddedKafka start() {
            return build().start();
        }
    }

    /** Deletes a directory tree; used by the launcher's {@code --fresh}. */
    static void wipe(Path dir) {
        deleteRecursively(dir);
    }
}
