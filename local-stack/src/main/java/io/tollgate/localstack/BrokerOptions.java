package io.tollgate.localstack;

import java.nio.file.Path;
import java.util.List;

/**
 * Options of the broker on its own ({@link EmbeddedKafka#main}): where its data lives and which ports it
 * listens on. A restart on the same data directory reuses the cluster id, topics and records; give it the
 * same {@code port} so that clients find it again.
 *
 * @param dataDir        Kafka data (log and metadata directories), created if absent, kept on stop
 * @param port           client port on 127.0.0.1; 0 picks a free one
 * @param controllerPort KRaft controller port on 127.0.0.1; 0 picks a free one
 * @param partitions     partitions of each Tollgate topic created when missing
 */
public record BrokerOptions(Path dataDir, int port, int controllerPort, int partitions) {

    public static final String USAGE = """
            Usage: EmbeddedKafka --data-dir DIR [--port N] [--controller-port M] [--partitions P]
              --data-dir DIR        Kafka data; reused when it holds a broker's data (same cluster id, topics, records)
              --port N              client port on 127.0.0.1 (default 9092; 0 = any free port)
              --controller-port M   KRaft controller port on 127.0.0.1 (default 0 = any free port)
              --partitions P        partitions of each Tollgate topic created when missing (default 3)
            Prints one line '%s bootstrap.servers=127.0.0.1:N ...' once the broker serves and the topics exist;
            stops on SIGTERM (Ctrl-C).""".formatted(EmbeddedKafka.READY);

    public BrokerOptions {
        if (dataDir == null) {
            throw new IllegalArgumentException("--data-dir is required: the directory of the broker's data "
                    + "(created if absent, reused on restart)");
        }
        checkPort("--port", port);
        checkPort("--controller-port", controllerPort);
        if (partitions < 1) {
            throw new IllegalArgumentException("--partitions must be at least 1, got " + partitions);
        }
    }

    /** Parses {@code --data-dir DIR [--port N] [--controller-port M] [--partitions P]}. */
    public static BrokerOptions parse(List<String> args) {
        Path dataDir = null;
        int port = LocalStackOptions.DEFAULT_KAFKA_PORT;
        int controllerPort = 0;
        int partitions = 3;
        for (int i = 0; i < args.size(); i++) {
            String option = args.get(i);
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException(option + " needs a value; " + firstLine());
            }
            String value = args.get(++i);
            switch (option) {
                case "--data-dir" -> dataDir = Path.of(value);
                case "--port" -> port = number(option, value);
                case "--controller-port" -> controllerPort = number(option, value);
                case "--partitions" -> partitions = number(option, value);
                default -> throw new IllegalArgumentException("unknown option '" + option + "'; " + firstLine());
            }
        }
        return new BrokerOptions(dataDir, port, controllerPort, partitions);
    }

    private static String firstLine() {
        return USAGE.lines().findFirst().orElseThrow();
    }

    private static int number(String option, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes a whole number, got '" + value + "'");
        }
    }

    private static void checkPort(String option, int port) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException(option + " must be 0 (any free port) or 1..65535, got " + port);
        }
    }
}
