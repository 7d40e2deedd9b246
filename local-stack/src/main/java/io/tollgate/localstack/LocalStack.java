package io.tollgate.localstack;

import io.tollgate.localstack.provider.SimulatedProvider;
import io.tollgate.localstack.registry.RegistryServer;
import io.tollgate.localstack.registry.RegistrySnapshot;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import io.tollgate.schemas.registry.SchemaRegistries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Tollgate's infrastructure in one JVM, with nothing installed: the embedded KRaft broker with every
 * Tollgate topic, the schema registry over HTTP, and the simulated OpenAI-compatible provider.
 * Later code adds its services with {@link #addService}; they are stopped first, in reverse order.
 *
 * <p>As a library: {@code try (LocalStack stack = LocalStack.start(LocalStackOptions.defaults())) {...}}.
 * From the command line: {@code main} prints a banner and runs until Ctrl-C.
 *
 * <p>Kafka data and a snapshot of the registry live under the data directory and are reused on the
 * next start on purpose (topics and their records survive); {@code --fresh} wipes them first.
 */
public final class LocalStack implements AutoCloseable {

    public static final String USAGE = """
            Usage: local-stack [--fresh] [--data-dir DIR] [--kafka-port N] [--registry-port N] [--provider-port N] [--partitions N]
              --fresh            wipe the data directory first (default: reuse it)
              --data-dir DIR     Kafka data and registry snapshot (default ./.tollgate; env TOLLGATE_DATA_DIR)
              --kafka-port N     broker port (default 9092; env TOLLGATE_KAFKA_PORT; 0 = any free port)
              --registry-port N  schema registry port (default 8081; env TOLLGATE_REGISTRY_PORT)
              --provider-port N  simulated provider port (default 18080; env TOLLGATE_PROVIDER_PORT)
              --partitions N     partitions of each Tollgate topic (default 3; env TOLLGATE_PARTITIONS)
            A taken port falls back to a free one with a warning.""";

    private static final long SNAPSHOT_SECONDS = 2;

    /** A service started alongside the stack, for the banner and for shutdown. */
    public record Service(String name, String address, AutoCloseable closeable) {
    }

    private final LocalStackOptions options;
    private final List<String> warnings = new ArrayList<>();
    private final List<Service> services = new ArrayList<>();
    private final EmbeddedKafka kafka;
    // set while starting; a failed start closes whatever was started
    private Duration kafkaStartTime = Duration.ZERO;
    private int restoredSchemas;
    private RegistryServer registry;
    private SimulatedProvider provider;
    private final CountDownLatch closed = new CountDownLatch(1);
    // saves the registry soon after it changes, so a killed JVM loses at most a few seconds of schemas
    private final ScheduledExecutorService snapshots = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "tollgate-registry-snapshot");
        thread.setDaemon(true);
        return thread;
    });
    private long savedFingerprint = Long.MIN_VALUE;

    private LocalStack(LocalStackOptions options) {
        this.options = options;
        Path dataDir = options.dataDir().toAbsolutePath();
        if (options.fresh()) {
            // only what the stack itself keeps there: other tools may share the directory
            EmbeddedKafka.wipe(dataDir.resolve("kafka"));
            EmbeddedKafka.wipe(dataDir.resolve("registry"));
        }
        boolean reused = Files.isDirectory(dataDir.resolve("kafka"));
        this.kafka = EmbeddedKafka.builder()
                .dataDir(dataDir.resolve("kafka"))
                .port(port("Kafka", options.kafkaPort()))
                .build();
        // the broker takes seconds to start; the registry and the provider start meanwhile
        CompletableFuture<Duration> kafkaStarted = CompletableFuture.supplyAsync(() -> {
            long started = System.nanoTime();
            kafka.start();
            return Duration.ofNanos(System.nanoTime() - started);
        }, task -> new Thread(task, "tollgate-kafka-start").start());
        try {
            this.restoredSchemas = restoreRegistry(reused);
            this.registry = RegistryServer.start(options.registryScope(), port("schema registry", options.registryPort()));
            this.provider = SimulatedProvider.builder().port(port("simulated provider", options.providerPort())).start();
            this.kafkaStartTime = join(kafkaStarted);
            kafka.createTopics(Topics.specs(), options.partitions());
            snapshots.scheduleWithFixedDelay(this::saveSnapshotIfChanged, SNAPSHOT_SECONDS, SNAPSHOT_SECONDS, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            kafkaStarted.exceptionally(failure -> Duration.ZERO).join();
            closeQuietly();
            throw e;
        }
    }

    private static Duration join(CompletableFuture<Duration> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /** Starts the broker (creating every Tollgate topic), the registry and the simulated provider. */
    public static LocalStack start(LocalStackOptions options) {
        return new LocalStack(options);
    }

    public static void main(String[] args) {
        LocalStackOptions options;
        try {
            if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
                System.out.println(USAGE);
                return;
            }
            options = LocalStackOptions.fromEnvironment(System.getenv()).withArgs(args);
        } catch (IllegalArgumentException e) {
            System.err.println("local-stack: " + e.getMessage());
            System.exit(2);
            return;
        }
        quietLogging();
        long started = System.nanoTime();
        LocalStack stack = LocalStack.start(options);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nStopping the local stack...");
            stack.close();
            System.out.println("Stopped. Data kept in " + options.dataDir().toAbsolutePath() + " (--fresh wipes it).");
        }, "tollgate-local-stack-shutdown"));
        System.out.println(stack.banner(Duration.ofNanos(System.nanoTime() - started)));
        stack.awaitClose();
    }

    /**
     * For command-line launchers (this {@code main}, {@code tollgate up}): the banner matters, not
     * Kafka's INFO lines. Sets slf4j-simple levels unless given with -D; call before anything logs.
     */
    public static void quietLogging() {
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        setIfAbsent("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
        setIfAbsent("org.slf4j.simpleLogger.log.kafka", "error");
        setIfAbsent("org.slf4j.simpleLogger.log.state.change.logger", "error");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** {@code http://127.0.0.1:<port>} of the schema registry. */
    public String registryUrl() {
        return registry.url();
    }

    /** {@code mock://<scope>}: the same registry for serdes in this JVM, without HTTP. */
    public String inProcessRegistryUrl() {
        return registry.inProcessUrl();
    }

    /** {@code http://127.0.0.1:<port>/v1} of the simulated provider. */
    public String providerUrl() {
        return provider.baseUrl();
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public SimulatedProvider provider() {
        return provider;
    }

    public LocalStackOptions options() {
        return options;
    }

    /** Ports that were taken and replaced, and other things the user should know. */
    public synchronized List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** Adds a service to stop with the stack (before the broker, registry and provider; last added first). */
    public synchronized LocalStack addService(String name, String address, AutoCloseable service) {
        services.add(new Service(name, address, service));
        return this;
    }

    public synchronized List<Service> services() {
        return List.copyOf(services);
    }

    /** What runs where, for people. */
    public synchronized String banner(Duration startTime) {
        StringBuilder text = new StringBuilder();
        text.append("\n  Tollgate local stack is up (").append(startTime.toMillis()).append(" ms)\n\n");
        line(text, "Kafka broker", kafka.bootstrapServers(), "KRaft, started in " + kafkaStartTime.toMillis()
                + " ms, data in " + kafka.dataDir());
        line(text, "Schema registry", registry.url(), "Confluent REST API; in this JVM also " + registry.inProcessUrl());
        line(text, "Model provider", provider.baseUrl(), "simulated, OpenAI-compatible");
        for (Service service : services) {
            line(text, service.name(), service.address(), "");
        }
        text.append("\n  Topics: ");
        text.append(String.join(", ", Topics.specs().stream().map(Topics.TopicSpec::name).toList()));
        if (restoredSchemas > 0) {
            text.append("\n  Restored ").append(restoredSchemas).append(" schema version(s) from the last run.");
        }
        for (String warning : warnings) {
            text.append("\n  WARNING: ").append(warning);
        }
        text.append("\n\n  Press Ctrl-C to stop.\n");
        return text.toString();
    }

    /** How long the broker took to start (format and startup). */
    public Duration kafkaStartTime() {
        return kafkaStartTime;
    }

    /** Blocks until {@link #close()} has run. */
    public void awaitClose() {
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the added services (last first), then the provider, the registry (saving it) and the broker. */
    @Override
    public void close() {
        if (closed.getCount() == 0) {
            return;
        }
        closeQuietly();
        closed.countDown();
    }

    private synchronized void closeQuietly() {
        List<Service> reversed = new ArrayList<>(services);
        Collections.reverse(reversed);
        for (Service service : reversed) {
            stop(service.name(), service.closeable());
        }
        services.clear();
        if (provider != null) {
            stop("simulated provider", provider);
        }
        snapshots.shutdownNow();
        if (registry != null) {
            stop("schema registry", registry);
            stop("registry snapshot", () -> RegistrySnapshot.save(SchemaRegistries.inMemory(options.registryScope()), snapshotFile()));
        }
        stop("Kafka broker", kafka);
    }

    private int restoreRegistry(boolean reused) {
        Path snapshot = snapshotFile();
        if (!Files.exists(snapshot)) {
            if (reused) {
                warn("Kafka data of an earlier run is reused but no registry snapshot was found at " + snapshot
                        + "; records written then may not deserialize. Start with --fresh to wipe it.");
            }
            return 0;
        }
        try {
            return RegistrySnapshot.restore(SchemaRegistries.inMemory(options.registryScope()), snapshot);
        } catch (RuntimeException e) {
            warn("could not restore schemas from " + snapshot + ": " + e.getMessage());
            return 0;
        }
    }

    private void saveSnapshotIfChanged() {
        InMemorySchemaRegistry inMemory = SchemaRegistries.inMemory(options.registryScope());
        long fingerprint = inMemory.compatibility(null).hashCode();
        for (String subject : inMemory.subjects()) {
            fingerprint = 31 * fingerprint + subject.hashCode() * 17L + inMemory.versions(subject).size()
                    + inMemory.compatibility(subject).hashCode();
        }
        if (fingerprint == savedFingerprint) {
            return;
        }
        try {
            RegistrySnapshot.save(inMemory, snapshotFile());
            savedFingerprint = fingerprint;
        } catch (RuntimeException e) {
            System.err.println("local-stack: " + e.getMessage());
        }
    }

    private Path snapshotFile() {
        return options.dataDir().toAbsolutePath().resolve("registry").resolve("schemas.json");
    }

    private int port(String what, int wanted) {
        if (wanted == 0 || Ports.isFree(wanted)) {
            return wanted;
        }
        int fallback = Ports.free();
        warn("port " + wanted + " for the " + what + " is taken; using " + fallback + " instead");
        return fallback;
    }

    private synchronized void warn(String warning) {
        warnings.add(warning);
    }

    private static void stop(String what, AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            System.err.println("local-stack: stopping the " + what + " failed: " + e);
        }
    }

    private static void line(StringBuilder text, String name, String address, String note) {
        text.append(String.format("  %-18s %-28s %s%n", name, address, note));
    }
}
