package io.tollgate.cli.stack;

import io.tollgate.localstack.LocalStackOptions;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything {@code tollgate up} needs to start the stack. Ports of 0 pick free ones (tests).
 *
 * @param config          the policy file applied to the policy topic and read by every service
 * @param bindAddress     the listen address of the gateway's agents' listener, metering-stream and budget-alerts
 *                        (127.0.0.1 unless told otherwise); the gateway's admin listener stays on 127.0.0.1
 * @param adminPort       the gateway's admin listener
 * @param providerLatency latency of every simulated answer (and per chunk of a stream: chunkDelay)
 * @param errorRate       share of simulated calls answered 500, 0..1
 */
public record StackSettings(Path config, LocalStackOptions infrastructure, String bindAddress, int gatewayPort,
                            int adminPort, int meteringPort, int budgetPort, Duration providerLatency,
                            Duration chunkDelay, double errorRate) {

    /** Where {@code tollgate up} listens unless {@code --bind-address} says otherwise. */
    public static final String LOOPBACK = "127.0.0.1";

    public StackSettings {
        if (errorRate < 0 || errorRate > 1) {
            throw new IllegalArgumentException("error rate " + errorRate + " is outside 0..1; e.g. 0.02 for 2 %");
        }
        if (providerLatency.isNegative() || chunkDelay.isNegative()) {
            throw new IllegalArgumentException("latency " + providerLatency + " / chunk delay " + chunkDelay
                    + " must not be negative");
        }
        if (bindAddress == null || bindAddress.isBlank()) {
            throw new IllegalArgumentException("--bind-address is empty; expected an address such as 127.0.0.1 or 0.0.0.0");
        }
        for (int port : new int[] {gatewayPort, adminPort, meteringPort, budgetPort}) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is outside 0..65535 (0 = any free port)");
            }
        }
    }

    /** Free ports, a fresh data directory, no latency or errors: for tests. */
    public static StackSettings ephemeral(Path config, Path dataDir) {
        return new StackSettings(config, LocalStackOptions.ephemeral(dataDir), LOOPBACK, 0, 0, 0, 0, Duration.ZERO,
                Duration.ZERO, 0.0);
    }

    public Path dataDir() {
        return infrastructure.dataDir();
    }

    /** The address clients in this JVM use: the bind address, or loopback when it is a wildcard. */
    public String clientHost() {
        return bindAddress.equals("0.0.0.0") || bindAddress.equals("::") || bindAddress.equals("[::]") ? LOOPBACK
                : bindAddress.contains(":") && !bindAddress.startsWith("[") ? "[" + bindAddress + "]" : bindAddress;
    }
}
