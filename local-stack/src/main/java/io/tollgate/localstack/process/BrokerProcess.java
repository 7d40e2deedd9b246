package io.tollgate.localstack.process;

import io.tollgate.localstack.EmbeddedKafka;
import io.tollgate.localstack.Ports;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The embedded broker in a process of its own ({@link EmbeddedKafka#main}) on a fixed data directory and fixed
 * ports, so that it can be stopped or killed and started again on the same data while its clients keep their
 * {@code bootstrap.servers}.
 *
 * <pre>{@code
 * try (BrokerProcess broker = BrokerProcess.start(dir.resolve("kafka"), dir.resolve("kafka.log"), 3)) {
 *     String bootstrap = broker.bootstrapServers();
 *     broker.kill();      // SIGKILL
 *     broker.restart();   // same data, same ports; returns once it serves again
 * }
 * }</pre>
 */
public final class BrokerProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final JavaProcess process;
    private final int port;

    private BrokerProcess(JavaProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts a broker on {@code dataDir} (free ports, Tollgate's topics with {@code partitions} partitions). */
    public static BrokerProcess start(Path dataDir, Path logFile, int partitions) {
        int port = Ports.free();
        int controllerPort = Ports.free();
        JavaProcess process = JavaProcess.builder("kafka", EmbeddedKafka.class.getName())
                .args(List.of("--data-dir", dataDir.toString(), "--port", Integer.toString(port),
                        "--controller-port", Integer.toString(controllerPort), "--partitions",
                        Integer.toString(partitions)))
                .jvmOptions(List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"))
                .logFile(logFile)
                .build();
        BrokerProcess broker = new BrokerProcess(process, port);
        broker.restart();
        return broker;
    }

    /** Starts the broker again on the same data and ports; returns once it serves and its topics exist. */
    public void restart() {
        process.start();
        process.awaitLine(line -> line.startsWith(EmbeddedKafka.READY), START_TIMEOUT);
    }

    /** {@code 127.0.0.1:<port>}; the same across restarts. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** SIGKILL: the broker ends at once, its data as the page cache held it. */
    public void kill() {
        process.kill();
    }

    /** SIGTERM and a controlled shutdown (up to 60 s). */
    public void stop() {
        process.stop(Duration.ofSeconds(60));
    }

    public JavaProcess process() {
        return process;
    }

    @Override
    public void close() {
        stop();
    }
}
