package io.tollgate.localstack;

import java.nio.file.Path;
import java.util.Map;

/**
 * Options of the {@link LocalStack}. A port of 0 picks a free one; a taken port falls back to a free
 * one with a warning.
 *
 * @param dataDir       Kafka data and the registry snapshot, kept across runs (default {@code ./.tollgate})
 * @param fresh         wipe {@code dataDir} first
 * @param kafkaPort     broker port (default 9092)
 * @param registryPort  schema-registry HTTP port (default 8081)
 * @param providerPort  simulated provider port (default 18080)
 * @param partitions    partitions of each Tollgate topic created (default 3)
 * @param registryScope the in-process registry scope served over HTTP ({@code mock://<scope>}, default "local")
 */
public record LocalStackOptions(Path dataDir, boolean fresh, int kafkaPort, int registryPort, int providerPort,
                                int partitions, String registryScope) {

    public static final int DEFAULT_KAFKA_PORT = 9092;
    public static final int DEFAULT_REGISTRY_PORT = 8081;
    public static final int DEFAULT_PROVIDER_PORT = 18080;

    public LocalStackOptions {
        checkPort("kafka port", kafkaPort);
        checkPort("registry port", registryPort);
        checkPort("provider port", providerPort);
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
        }
        if (registryScope == null || registryScope.isBlank()) {
            throw new IllegalArgumentException("registry scope must not be blank");
        }
    }

    /** The defaults: {@code ./.tollgate}, reused, ports 9092 / 8081 / 18080, 3 partitions, scope "local". */
    public static LocalStackOptions defaults() {
        return new LocalStackOptions(Path.of(".tollgate"), false, DEFAULT_KAFKA_PORT, DEFAULT_REGISTRY_PORT,
                DEFAULT_PROVIDER_PORT, 3, "local");
    }

    /**
     * The defaults overridden by environment variables {@code TOLLGATE_DATA_DIR}, {@code TOLLGATE_KAFKA_PORT},
     * {@code TOLLGATE_REGISTRY_PORT}, {@code TOLLGATE_PROVIDER_PORT}, {@code TOLLGATE_PARTITIONS}.
     */
    public static LocalStackOptions fromEnvironment(Map<String, String> env) {
        LocalStackOptions options = defaults();
        if (env.containsKey("TOLLGATE_DATA_DIR")) {
            options = options.withDataDir(Path.of(env.get("TOLLGATE_DATA_DIR")));
        }
        options = options.withKafkaPort(intVar(env, "TOLLGATE_KAFKA_PORT", options.kafkaPort()))
                .withRegistryPort(intVar(env, "TOLLGATE_REGISTRY_PORT", options.registryPort()))
                .withProviderPort(intVar(env, "TOLLGATE_PROVIDER_PORT", options.providerPort()));
        return options.withPartitions(intVar(env, "TOLLGATE_PARTITIONS", options.partitions()));
    }

    /** Every port 0 (free ports) and a fresh directory: for tests. */
    public static LocalStackOptions ephemeral(Path dataDir) {
        return new LocalStackOptions(dataDir, true, 0, 0, 0, 1, "local-" + Long.toHexString(System.nanoTime()));
    }

    public LocalStackOptions withDataDir(Path value) {
        return new LocalStackOptions(value, fresh, kafkaPort, registryPort, providerPort, partitions, registryScope);
    }

    public LocalStackOptions withFresh(boolean value) {
        return new LocalStackOptions(dataDir, value, kafkaPort, registryPort, providerPort, partitions, registryScope);
    }

    public LocalStackOptions withKafkaPort(int value) {
        return new LocalStackOptions(dataDir, fresh, value, registryPort, providerPort, partitions, registryScope);
    }

    public LocalStackOptions withRegistryPort(int value) {
        return new LocalStackOptions(dataDir, fresh, kafkaPort, value, providerPort, partitions, registryScope);
    }

    public LocalStackOptions withProviderPort(int value) {
        return new LocalStackOptions(dataDir, fresh, kafkaPort, registryPort, value, partitions, registryScope);
    }

    public LocalStackOptions withPartitions(int value) {
        return new LocalStackOptions(dataDir, fresh, kafkaPort, registryPort, providerPort, value, registryScope);
    }

    public LocalStackOptions withRegistryScope(String value) {
        return new LocalStackOptions(dataDir, fresh, kafkaPort, registryPort, providerPort, partitions, value);
    }

    /** Parses command-line flags on top of these options; see {@link LocalStack#USAGE}. */
    public LocalStackOptions withArgs(String... args) {
        LocalStackOptions options = this;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--fresh" -> options = options.withFresh(true);
                case "--data-dir" -> options = options.withDataDir(Path.of(value(args, ++i, arg)));
                case "--kafka-port" -> options = options.withKafkaPort(intArg(args, ++i, arg));
                case "--registry-port" -> options = options.withRegistryPort(intArg(args, ++i, arg));
                case "--provider-port" -> options = options.withProviderPort(intArg(args, ++i, arg));
                case "--partitions" -> options = options.withPartitions(intArg(args, ++i, arg));
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'\n" + LocalStack.USAGE);
            }
        }
        return options;
    }

    private static String value(String[] args, int index, String flag) {
        if (index >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value\n" + LocalStack.USAGE);
        }
        return args[index];
    }

    private static int intArg(String[] args, int index, String flag) {
        String text = value(args, index, flag);
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a whole number, got '" + text + "'");
        }
    }

    private static int intVar(Map<String, String> env, String name, int fallback) {
        String text = env.get(name);
        if (text == null || text.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("environment variable " + name + " must be a whole number, got '" + text + "'");
        }
    }

    private static void checkPort(String what, int port) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException(what + " must be 0 (any free port) or 1..65535, got " + port);
        }
    }
}
