import com.sun.management.OperatingSystemMXBean;
import io.tollgate.gateway.upstream.Provider;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * JVM CPU per upstream call of the gateway's {@link Provider} (Jetty 12's HttpClient) against the JDK's
 * {@code java.net.http.HttpClient} used the way the gateway used it before (HTTP/1.1, {@code sendAsync} and a
 * timed wait of the calling virtual thread, the whole body as a byte array), under the same closed-loop load: {@code CONCURRENCY} virtual threads (as the gateway's handlers) each POST the
 * shared harness's chat body to the fake upstream and read the whole answer. Rounds alternate JDK, Jetty, JDK,
 * Jetty; each round warms up, then measures process CPU time (all threads: callers, client threads, JIT, GC)
 * over its calls. Not a test: see README.md next to it.
 */
public final class UpstreamClientCpu {

    static final byte[] BODY = ("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"You are a"
            + " helpful assistant.\"},{\"role\":\"user\",\"content\":\"Hello! Reply with one short friendly sentence.\"}],"
            + "\"max_tokens\":32,\"temperature\":0}").getBytes(StandardCharsets.UTF_8);

    interface Client {
        int call() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        String base = System.getenv().getOrDefault("UPSTREAM", "http://127.0.0.1:18080/v1");
        int concurrency = Integer.parseInt(System.getenv().getOrDefault("CONCURRENCY", "64"));
        int seconds = Integer.parseInt(System.getenv().getOrDefault("DURATION_S", "15"));
        int rounds = Integer.parseInt(System.getenv().getOrDefault("ROUNDS", "2"));

        Provider jetty = new Provider("bench", base, List.of("sk-bench"), Duration.ofSeconds(5), Duration.ofSeconds(30));
        HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
        Client jdkCall = () -> {
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/chat/completions"))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer sk-bench")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(BODY)).build();
            CompletableFuture<HttpResponse<byte[]>> r = jdk.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
            return r.get(30, TimeUnit.SECONDS).body().length;
        };
        Client jettyCall = () -> jetty.postForWhole("/chat/completions", BODY).body().length;
        System.out.printf("upstream %s, concurrency %d, %d s per round, %d cores%n", base, concurrency, seconds,
                Runtime.getRuntime().availableProcessors());
        List<String> clients = List.of(System.getenv().getOrDefault("CLIENTS", "jdk,jetty").split(","));
        for (int round = 1; round <= rounds; round++) {
            if (clients.contains("jdk")) {
                report("jdk", round, run(jdkCall, concurrency, 5), run(jdkCall, concurrency, seconds));
            }
            if (clients.contains("jetty")) {
                report("jetty", round, run(jettyCall, concurrency, 5), run(jettyCall, concurrency, seconds));
            }
        }
        jetty.close();
    }

    record Figures(long calls, long errors, long cpuNanos, long wallNanos) {
    }

    static void report(String name, int round, Figures warmUp, Figures f) {
        System.out.printf("%-5s round %d: %8.0f calls/s, %6.1f us JVM CPU per call, %d calls, %d errors (warm-up %d calls)%n",
                name, round, f.calls() * 1e9 / f.wallNanos(), f.cpuNanos() / 1e3 / Math.max(1, f.calls()), f.calls(),
                f.errors(), warmUp.calls());
    }

    static Figures run(Client client, int concurrency, int seconds) throws InterruptedException {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        LongAdder calls = new LongAdder();
        LongAdder errors = new LongAdder();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> threads = new ArrayList<>();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        for (int i = 0; i < concurrency; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                while (running.get()) {
                    try {
                        if (client.call() > 0) {
                            calls.increment();
                        } else {
                            errors.increment();
                        }
                    } catch (Exception e) {
                        errors.increment();
                    }
                }
            }));
        }
        Thread.sleep(seconds * 1000L); // the measured interval of a benchmark program, not a test
        running.set(false);
        for (Thread t : threads) {
            t.join();
        }
        long wall = System.nanoTime() - t0;
        return new Figures(calls.sum(), errors.sum(), os.getProcessCpuTime() - cpu0, wall);
    }
}
