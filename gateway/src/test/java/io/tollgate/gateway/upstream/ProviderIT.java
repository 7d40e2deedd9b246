package io.tollgate.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link Provider} against a real HTTP server on 127.0.0.1. */
class ProviderIT {

    private static final byte[] ANSWER = "{\"model\":\"m\", \"t\":1e2}".getBytes(StandardCharsets.UTF_8);

    private HttpServer server;
    private final Map<String, String> seen = new ConcurrentHashMap<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicBoolean streamBroken = new AtomicBoolean();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/whole", ex -> {
            seen.put("authorization", String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            seen.put("accept-encoding", String.valueOf(ex.getRequestHeaders().getFirst("Accept-Encoding")));
            seen.put("content-type", String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")));
            seen.put("body", new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
            ex.getResponseHeaders().add("Retry-After", "7");
            ex.sendResponseHeaders(429, ANSWER.length);
            ex.getResponseBody().write(ANSWER);
            ex.close();
        });
        server.createContext("/v1/slow", ex -> {
            waitFor(release);
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.createContext("/v1/stream", ex -> {
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            try {
                for (int i = 0; i < 10_000_000; i++) { // until the gateway hangs up
                    out.write(("data: {\"i\":" + i + "}\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            } catch (IOException e) {
                streamBroken.set(true);
            }
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private Provider provider(Duration requestTimeout) {
        return new Provider("test", "http://127.0.0.1:" + server.getAddress().getPort() + "/v1", List.of("sk-1"),
                Duration.ofSeconds(2), requestTimeout);
    }

    @Test
    void shouldSendTheBodyAndKeyAndRelayTheProvidersBytesAndHeadersWhenItAnswers() throws Exception {
        try (Provider p = provider(Duration.ofSeconds(5))) {
            Provider.Answer<byte[]> answer = p.postForWhole("/whole", "{\"a\":1}".getBytes(StandardCharsets.UTF_8));

            assertThat(answer.status()).isEqualTo(429);
            assertThat(answer.body()).isEqualTo(ANSWER);
            assertThat(answer.header("Retry-After")).contains("7");
            assertThat(answer.header("content-type")).contains("application/json; charset=utf-8");
            // no compression asked for: the agent gets the provider's bytes
            assertThat(seen).containsEntry("authorization", "Bearer sk-1").containsEntry("accept-encoding", "null")
                    .containsEntry("content-type", "application/json").containsEntry("body", "{\"a\":1}");
        }
    }

    @Test
    void shouldTimeOutWhenTheProviderDoesNotAnswerWithinTheRequestTimeout() {
        try (Provider p = provider(Duration.ofMillis(300))) {
            assertThatThrownBy(() -> p.postForWhole("/slow", new byte[0])).isInstanceOf(HttpTimeoutException.class)
                    .hasMessageContaining("within its request timeout of 300 ms");
            assertThatThrownBy(() -> p.post("/slow", new byte[0])).isInstanceOf(HttpTimeoutException.class);
        }
    }

    @Test
    void shouldFailAsABrokenConnectionNotATimeoutWhenNothingListens() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        try (Provider p = new Provider("gone", "http://127.0.0.1:" + closed + "/v1", List.of(), Duration.ofSeconds(2),
                Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> p.postForWhole("/whole", new byte[0])).isInstanceOf(IOException.class)
                    .isNotInstanceOf(HttpTimeoutException.class);
        }
    }

    @Test
    void shouldHangUpOnTheProviderWhenTheStreamIsClosedEarly() throws Exception {
        try (Provider p = provider(Duration.ofSeconds(5))) {
            Provider.Answer<InputStream> answer = p.post("/stream", new byte[0]);
            assertThat(answer.status()).isEqualTo(200);
            try (InputStream in = answer.body()) {
                assertThat(new String(in.readNBytes(10), StandardCharsets.UTF_8)).isEqualTo("data: {\"i\"");
            }

            await().atMost(Duration.ofSeconds(20)).untilTrue(streamBroken);
        }
    }

    /** The slow provider's wait for the test to end. */
    private static void waitFor(CountDownLatch latch) {
        try {
            latch.await(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
