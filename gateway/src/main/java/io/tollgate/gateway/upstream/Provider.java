package io.tollgate.gateway.upstream;

import java.io.InputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
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
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        String key = nextKey();
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
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
