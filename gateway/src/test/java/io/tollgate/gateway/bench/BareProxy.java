package io.tollgate.gateway.bench;

import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * The floor of the gateway's stack, for the benchmarks (not a test): the same server (Javalin 7 on
 * Jetty 12, one virtual thread per request) and the same client (JDK HttpClient, HTTP/1.1) as the
 * gateway, forwarding {@code POST /v1/chat/completions} to the provider's
 * {@code /chat/completions} with no authentication, parsing, token counting, routing or events.
 * Latency through it minus latency straight to the provider is what Jetty, the HttpClient, a
 * second hop and the machine cost before the gateway does any work of its own.
 */
public final class BareProxy implements AutoCloseable {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Javalin app;

    /** {@code providerBaseUrl} ends in {@code /v1}, like a gateway provider's base URL. */
    public BareProxy(String providerBaseUrl) {
        URI upstream = URI.create(providerBaseUrl + "/chat/completions");
        this.app = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.http.compressionStrategy = CompressionStrategy.NONE;
            config.startup.showJavalinBanner = false;
            config.routes.post("/v1/chat/completions", ctx -> {
                HttpRequest.Builder request = HttpRequest.newBuilder(upstream)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(ctx.bodyAsBytes()));
                String authorization = ctx.header("Authorization");
                if (authorization != null) {
                    request.header("Authorization", authorization);
                }
                HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                ctx.status(response.statusCode());
                ctx.contentType(response.headers().firstValue("Content-Type").orElse("application/json"));
                ctx.result(response.body());
            });
        });
    }

    public BareProxy start() {
        app.start("127.0.0.1", 0);
        return this;
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
        http.close();
    }
}
