package io.tollgate.gateway.upstream;

import java.io.InputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One OpenAI-compatible upstream: base URL (ending in {@code /v1}), timeouts, and provider keys
 * used round-robin. Calls block the caller's virtual thread; the response body is a stream so
 * that SSE can be relayed chunk by chunk.
 */
public final class Provider {

    private final String name;
    private final String baseUrl;
    private final List<String> apiKeys;
    private final Duration requestTimeout;
    private final HttpClient http;
    private final AtomicInteger next = new AtomicInteger();

    public Provider(String name, String baseUrl, List<String> apiKeys, Duration connectTimeout,
                    Duration requestTimeout) {
        this.name = name;
        this.baseUrl = baseUrl.replaceAll("/+$", "");
        this.apiKeys = List.copyOf(apiKeys);
        this.requestTimeout = requestTimeout;
        // HTTP/1.1: OpenAI-compatible servers speak it everywhere; h2c upgrade costs a round trip on plain http
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    public String name() {
        return name;
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** POSTs {@code body} to {@code <base>/<path>}; the caller must close the returned body stream. */
    public HttpResponse<InputStream> post(String path, byte[] body) throws IOException, InterruptedException {
        return post(path, body, HttpResponse.BodyHandlers.ofInputStream());
    }

    /**
     * POSTs {@code body} to {@code <base>/<path>}, the answer read by {@code handler}. For whole
     * answers {@code ofByteArray()} wakes the calling thread once, when the body is complete, where an
     * input stream hands every received buffer over to it.
     */
    public <T> HttpResponse<T> post(String path, byte[] body, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        String key = nextKey();
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        // request_timeout_ms bounds the wait for a whole answer's body, or for a stream's status and
        // headers. It is a timed wait of this (virtual) thread, not HttpRequest.timeout():
        // the client keeps those in one synchronized set shared with its selector thread, and under
        // load calls queue 10-70 ms on that monitor (JFR JavaMonitorEnter in
        // HttpClientImpl.cancelTimer / purgeTimeoutsAndReturnNextDeadline).
        CompletableFuture<HttpResponse<T>> response = http.sendAsync(request.build(), handler);
        try {
            return response.get(requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            response.cancel(true); // aborts the exchange and frees its connection
            throw new HttpTimeoutException("no answer from " + name + " within its request timeout of "
                    + requestTimeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            response.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException("request to " + name + " failed: " + cause, cause);
        }
    }

    /** The provider key for the next request, round-robin; null when the provider needs none. */
    String nextKey() {
        if (apiKeys.isEmpty()) {
            return null;
        }
        return apiKeys.get(Math.floorMod(next.getAndIncrement(), apiKeys.size()));
    }

    @Override
    public String toString() {
        return "Provider[" + name + " " + baseUrl + ", " + apiKeys.size() + " keys]";
    }
}
