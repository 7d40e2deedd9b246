package io.tollgate.gateway.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * One OpenAI-compatible upstream: base URL (ending in {@code /v1}), timeouts, and provider keys
 * used round-robin. Calls block the caller's virtual thread; a streamed answer's body is an input
 * stream so that SSE can be relayed chunk by chunk, and closing it early aborts the exchange.
 *
 * <p>The client is Jetty's (HTTP/1.1, pooled connections, no redirects, no content decoding: the
 * bytes relayed are the provider's): under the same load it costs well under half the JVM CPU per
 * call of the JDK's {@code java.net.http.HttpClient} (bench/upstream-client).
 */
public final class Provider implements AutoCloseable {

    /** A provider's answer: status, headers, and the body (bytes, or a stream to read and close). */
    public record Answer<T>(int status, HttpFields headers, T body) {
        public Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name));
        }
    }

    /** Beyond any real answer: a whole answer is bounded by the request timeout, not by its size. */
    private static final int MAX_WHOLE_ANSWER_BYTES = Integer.MAX_VALUE - 8;
    /** Connections and queued requests per provider: admission bounds the calls, not the client. */
    private static final int MAX_CONNECTIONS = 4_096;
    private static final int MAX_QUEUED = 65_536;

    private final String name;
    private final String baseUrl;
    private final List<String> apiKeys;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final HttpClient http;
    private final AtomicInteger next = new AtomicInteger();

    public Provider(String name, String baseUrl, List<String> apiKeys, Duration connectTimeout,
                    Duration requestTimeout) {
        this.name = name;
        this.baseUrl = baseUrl.replaceAll("/+$", "");
        this.apiKeys = List.copyOf(apiKeys);
        this.connectTimeout = connectTimeout;
        this.requestTimeout = requestTimeout;
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("tollgate-upstream-" + name);
        threads.setDaemon(true); // never what keeps the JVM alive
        this.http = new HttpClient();
        http.setExecutor(threads);
        http.setScheduler(new ScheduledExecutorScheduler("tollgate-upstream-" + name + "-scheduler", true));
        http.setConnectTimeout(connectTimeout.toMillis());
        http.setIdleTimeout(0); // a stream may be silent for minutes while a model thinks; request_timeout_ms bounds the wait
        http.setFollowRedirects(false);
        http.setMaxConnectionsPerDestination(MAX_CONNECTIONS);
        http.setMaxRequestsQueuedPerDestination(MAX_QUEUED);
        // the answer is read and handed to the waiting call on the selector thread itself, not passed to a pool
        // thread first: one thread wake-up fewer per call. Safe because no listener here blocks: the whole
        // answer is buffered, a stream's chunks are queued for the caller's thread to read.
        http.getHttpClientTransport().setInvocationType(Invocable.InvocationType.NON_BLOCKING);
        try {
            http.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the HTTP client for provider " + name + ": " + e, e);
        }
        // no Accept-Encoding and no decoding: the agent gets the provider's bytes (start adds gzip, so after it)
        http.getContentDecoderFactories().clear();
    }

    public String name() {
        return name;
    }

    public String baseUrl() {
        return baseUrl;
    }

    /**
     * POSTs {@code body} to {@code <base>/<path>} and returns once the status and headers came; the caller
     * must close the body stream. {@code request_timeout_ms} bounds the wait for the status and headers.
     */
    public Answer<InputStream> post(String path, byte[] body) throws IOException, InterruptedException {
        Request request = request(path, body);
        InputStreamResponseListener listener = new InputStreamResponseListener();
        request.send(listener);
        Response response;
        try {
            response = listener.get(requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | InterruptedException | ExecutionException e) {
            throw failed(request, e);
        }
        return new Answer<>(response.getStatus(), response.getHeaders(), listener.getInputStream());
    }

    /**
     * POSTs {@code body} to {@code <base>/<path>} and returns the whole answer, the calling thread woken once,
     * when it is complete. {@code request_timeout_ms} bounds the wait for the whole answer.
     */
    public Answer<byte[]> postForWhole(String path, byte[] body) throws IOException, InterruptedException {
        // the timeout is the client's (one timer per connection, rescheduled only when it fires), not a timed
        // wait of the calling virtual thread, which would register and cancel a timer with the virtual-thread
        // scheduler's delay thread on every call
        Request request = request(path, body).timeout(requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
        ContentResponse response;
        try {
            response = new CompletableResponseListener(request, MAX_WHOLE_ANSWER_BYTES).send().get();
        } catch (InterruptedException | ExecutionException e) {
            throw failed(request, e);
        }
        return new Answer<>(response.getStatus(), response.getHeaders(), response.getContent());
    }

    private Request request(String path, byte[] body) {
        String key = nextKey();
        return http.newRequest(baseUrl + path)
                .method(HttpMethod.POST)
                .headers(h -> {
                    if (key != null) {
                        h.put(HttpHeader.AUTHORIZATION, "Bearer " + key);
                    }
                })
                .body(new BytesRequestContent("application/json", body));
    }

    /**
     * Aborts the exchange (freeing its connection) and says why it failed: a timeout as
     * {@link HttpTimeoutException}, a broken connection as the {@link IOException} it was.
     */
    private IOException failed(Request request, Exception e) throws InterruptedException {
        request.abort(e);
        if (e instanceof InterruptedException ie) {
            throw ie;
        }
        if (e instanceof TimeoutException) {
            return new HttpTimeoutException("no answer from " + name + " within its request timeout of "
                    + requestTimeout.toMillis() + " ms");
        }
        Throwable cause = e.getCause() == null ? e : e.getCause();
        if (cause instanceof TimeoutException) { // the client's request timeout (a connect timeout is a socket's)
            return new HttpTimeoutException("no answer from " + name + " within its request timeout of "
                    + requestTimeout.toMillis() + " ms");
        }
        if (cause instanceof SocketTimeoutException) {
            return new HttpTimeoutException("could not connect to " + name + " at " + baseUrl + " within its connect"
                    + " timeout of " + connectTimeout.toMillis() + " ms (" + cause.getMessage() + ")");
        }
        if (cause instanceof IOException io) {
            return io;
        }
        if (cause instanceof RuntimeException re) {
            throw re;
        }
        return new IOException("request to " + name + " failed: " + cause, cause);
    }

    /** Stops the client: its connections close and its threads end. */
    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the HTTP client for provider " + name + ": " + e, e);
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
