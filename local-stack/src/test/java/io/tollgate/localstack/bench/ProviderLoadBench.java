package io.tollgate.localstack.bench;

import io.tollgate.localstack.provider.SimulatedProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Load generator for the simulated provider in zero-delay mode (the baseline of the gateway
 * overhead benchmark): closed-loop clients on virtual threads, each sending chat completions one
 * after another over the JDK HttpClient, for a fixed time per concurrency level. Not a test; run:
 *
 * <pre>
 * mvn -B -q -o -pl local-stack test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.tollgate.localstack.bench.ProviderLoadBench -Dexec.args="10 1,64,256"
 * </pre>
 * Arguments: seconds measured per level (after as many seconds of warm-up), comma-separated client counts.
 */
public final class ProviderLoadBench {

    private static final String BODY = """
            {"model":"sim-small","max_tokens":16,"messages":[{"role":"user","content":"Summarise the quarterly report in one line."}]%s}""";

    private ProviderLoadBench() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int[] levels = Arrays.stream((args.length > 1 ? args[1] : "1,64,256").split(",")).mapToInt(Integer::parseInt).toArray();
        System.out.printf("nproc=%d java=%s%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        try (SimulatedProvider provider = SimulatedProvider.start()) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (boolean stream : new boolean[] {false, true}) {
                String body = BODY.formatted(stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "");
                HttpRequest request = HttpRequest.newBuilder(URI.create(provider.baseUrl() + "/chat/completions"))
                        .header("Authorization", "Bearer bench").header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                for (int clients : levels) {
                    run(http, request, clients, Duration.ofSeconds(seconds)); // warm-up
                    Result result = run(http, request, clients, Duration.ofSeconds(seconds));
                    System.out.printf("%-10s clients=%-4d requests/s=%-8.0f p50=%.3f ms p99=%.3f ms errors=%d%n",
                            stream ? "stream" : "json", clients, result.perSecond(), result.p50Millis(), result.p99Millis(), result.errors());
                }
            }
        }
    }

    private record Result(double perSecond, double p50Millis, double p99Millis, long errors) {
    }

    private static Result run(HttpClient http, HttpRequest request, int clients, Duration duration) throws Exception {
        long end = System.nanoTime() + duration.toNanos();
        List<Future<long[]>> futures = new ArrayList<>();
        long[] errors = new long[clients];
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                int client = c;
                futures.add(executor.submit(() -> {
                    long[] latencies = new long[1024];
                    int n = 0;
                    while (System.nanoTime() < end) {
                        long start = System.nanoTime();
                        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                        long took = System.nanoTime() - start;
                        if (response.statusCode() != 200) {
                            errors[client]++;
                        }
                        if (n == latencies.length) {
                            latencies = Arrays.copyOf(latencies, n * 2);
                        }
                        latencies[n++] = took;
                    }
                    return Arrays.copyOf(latencies, n);
                }));
            }
            List<long[]> all = new ArrayList<>();
            for (Future<long[]> future : futures) {
                all.add(future.get());
            }
            long[] merged = all.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            return new Result(merged.length / (double) duration.toSeconds(), percentile(merged, 0.50), percentile(merged, 0.99),
                    Arrays.stream(errors).sum());
        }
    }

    private static double percentile(long[] sorted, double quantile) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)] / 1_000_000.0;
    }
}
