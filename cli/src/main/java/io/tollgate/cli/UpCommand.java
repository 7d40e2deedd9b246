package io.tollgate.cli;

import io.tollgate.localstack.LocalStack;
import io.tollgate.localstack.LocalStackOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tollgate up}: the whole local stack in this JVM until Ctrl-C. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start Tollgate locally: a real Kafka broker, a schema registry, a simulated model provider"
                + " and the Tollgate services, in this JVM. Ctrl-C stops everything cleanly.")
final class UpCommand implements Callable<Integer> {

    @Option(names = "--fresh", description = "Wipe the data directory first (default: reuse it).")
    boolean fresh;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Kafka data and registry snapshot (default: ${DEFAULT-VALUE}).")
    Path dataDir = LocalStackOptions.defaults().dataDir();

    @Option(names = "--kafka-port", paramLabel = "PORT", description = "Broker port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int kafkaPort = LocalStackOptions.DEFAULT_KAFKA_PORT;

    @Option(names = "--registry-port", paramLabel = "PORT", description = "Schema registry port (default: ${DEFAULT-VALUE}).")
    int registryPort = LocalStackOptions.DEFAULT_REGISTRY_PORT;

    @Option(names = "--provider-port", paramLabel = "PORT", description = "Simulated provider port (default: ${DEFAULT-VALUE}).")
    int providerPort = LocalStackOptions.DEFAULT_PROVIDER_PORT;

    @Option(names = "--partitions", paramLabel = "N", description = "Partitions of each Tollgate topic (default: ${DEFAULT-VALUE}).")
    int partitions = 3;

    @Override
    public Integer call() {
        LocalStackOptions options = LocalStackOptions.defaults()
                .withDataDir(dataDir)
                .withFresh(fresh)
                .withKafkaPort(kafkaPort)
                .withRegistryPort(registryPort)
                .withProviderPort(providerPort)
                .withPartitions(partitions);
        long started = System.nanoTime();
        LocalStack stack = LocalStack.start(options);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nStopping Tollgate...");
            stack.close();
            System.out.println("Stopped. Data kept in " + options.dataDir().toAbsolutePath() + " (--fresh wipes it).");
        }, "tollgate-shutdown"));
        System.out.println(stack.banner(Duration.ofNanos(System.nanoTime() - started)));
        stack.awaitClose();
        return 0;
    }
}
