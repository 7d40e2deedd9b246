package io.tollgate.cli.fault;

import static org.awaitility.Awaitility.await;

import io.tollgate.localstack.process.JavaProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * One Tollgate service in a JVM of its own, configured by environment variables as docker-compose configures it,
 * with the HTTP listener its probes and queries use and the token they send. Ports are chosen once, so a
 * restarted service answers where it did (and advertises the same address to its peers).
 */
public final class ServiceProcess implements AutoCloseable {

    /** How long a service may take to become ready on a busy 2-core machine. */
    static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** An HTTP answer: status and body. */
    public record Answer(int status, String body) {
    }

    private final JavaProcess process;
    private final String baseUrl;
    private final String token;
    private final String readyPath;
    private final String livePath;
    /** Started and found ready, and neither killed nor stopped since. */
    private volatile boolean serving;

    /**
     * @param baseUrl   where its probes and queries go ({@code http://127.0.0.1:<port>})
     * @param token     the credential every request sends (operator or admin token)
     * @param readyPath answers 200 once the service serves
     * @param livePath  answers 200 while it is healthy (503 when it must be restarted)
     */
    ServiceProcess(JavaProcess process, String baseUrl, String token, String readyPath, String livePath) {
        this.process = process;
        this.baseUrl = baseUrl;
        this.token = token;
        this.readyPath = readyPath;
        this.livePath = livePath;
    }

    public String name() {
        return process.name();
    }

    public String baseUrl() {
        return baseUrl;
    }

    public JavaProcess process() {
        return process;
    }

    /** Starts the JVM (again) and returns once it answers its readiness probe. */
    public ServiceProcess start() {
        process.start();
        awaitReady();
        serving = true;
        return this;
    }

    /** Started and ready, and neither killed nor stopped since: where a load balancer would send calls. */
    public boolean serving() {
        return serving && process.isAlive();
    }

    /** Waits until the readiness probe answers 200; fails with the process's output when it ends or times out. */
    public void awaitReady() {
        try {
            await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(250)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException(name() + " ended before it was ready");
                }
                return get(readyPath).status() == 200;
            });
        } catch (RuntimeException e) {
            throw new IllegalStateException(name() + " did not become ready (" + e.getMessage() + "); its output:\n"
                    + process.tailText(), e);
        }
    }

    /** Whether the JVM runs and its health probe answers 200 now. */
    public boolean healthy() {
        return process.isAlive() && get(livePath).status() == 200;
    }

    /** Whether its readiness probe answers 200 now. */
    public boolean ready() {
        return process.isAlive() && get(readyPath).status() == 200;
    }

    /** GET with the service's token; status 0 when it did not answer at all. */
    public Answer get(String pathAndQuery) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).GET().build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            return new Answer(0, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(0, "interrupted");
        }
    }

    /** SIGKILL. */
    public void kill() {
        serving = false;
        process.kill();
    }

    /** SIGTERM, waiting for the shutdown hooks (killed after 60 s). */
    public void stop() {
        serving = false;
        process.stop(Duration.ofSeconds(60));
    }

    @Override
    public void close() {
        stop();
    }
}
