package io.tollgate.cli.stack;

import io.tollgate.localstack.LocalStackOptions;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything {@code tollgate up} needs to start the stack. Ports of 0 pick free ones (tests).
 *
 * @param config          the policy file applied to the policy topic and read by every service
 * @param gatewayHost     the gateway's listen address
 * @param providerLatency latency of every simulated answer (and per chunk of a stream: chunkDelay)
 * @param errorRate       share of simulated calls answered 500, 0..1
 */
public record StackSettings(Path config, LocalStackOptions infrastructure, String gatewayHost, int gatewayPort,
                            int meteringPort, int budgetPort, Duration providerLatency, Duration chunkDelay,
                            double errorRate) {

    public StackSettings {
        if (errorRate < 0 || errorRate > 1) {
            throw new IllegalArgumentException("error rate " + errorRate + " is outside 0..1; e.g. 0.02 for 2 %");
        }
        if (providerLatency.isNegative() || chunkDelay.isNegative()) {
            throw new IllegalArgumentException("latency " + providerLatency + " / chunk delay " + chunkDelay
                    + " must not be negative");
        }
        for (int port : new int[] {gatewayPort, meteringPort, budgetPort}) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is outside 0..65535 (0 = any free port)");
            }
        }
    }

    /** Free ports, a fresh data directory, no latency or errors: for tests. */
    public static StackSettings ephemeral(Path config, Path dataDir) {
        return new StackSettings(config, LocalStackOptions.ephemeral(dataDir), "127.0.0.1", 0, 0, 0, Duration.ZERO,
                Duration.ZERO, 0.0);
    }

    public Path dataDir() {
        return infrastructure.dataDir();
    }
}
