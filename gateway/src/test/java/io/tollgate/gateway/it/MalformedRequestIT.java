package io.tollgate.gateway.it;

import static io.tollgate.gateway.it.GatewayFixture.PLANNER;
import static io.tollgate.gateway.it.GatewayFixture.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.tollgate.gateway.GatewayApplication;
import io.tollgate.gateway.events.EventSink;
import io.tollgate.gateway.http.OpenAiRequests;
import io.tollgate.localstack.provider.SimulatedProvider;
import io.tollgate.schemas.avro.UsageEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Malformed requests on real sockets: every one gets a 4xx in OpenAI's error shape, nothing
 * malformed reaches the provider, and well-formed HTTP is never answered by a dropped connection
 * (over-size bodies and headers included). A capturing upstream shows that a valid request, with
 * parameters the gateway does not know, is relayed byte for byte. The gateway runs as a plain
 * metering proxy with events kept in memory: these tests are about the HTTP boundary.
 */
class MalformedRequestIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 20_000;
    private static SimulatedProvider provider;
    private static GatewayApplication gateway;
    private static HttpServer capture;
    private static GatewayApplication capturing;
    private static final List<byte[]> captured = Collections.synchronizedList(new ArrayList<>());
    private final HttpClient http = HttpClient.newHttpClient();

    /** Keeps nothing: the events are not what these tests look at. */
    private static final EventSink NO_EVENTS = new EventSink() {
        @Override
        public void publish(UsageEvent event) {
        }

        @Override
        public Optional<String> refusal() {
            return Optional.empty();
        }

        @Override
        public long pendingEvents() {
            return 0;
        }

        @Override
        public void close() {
        }
    };

    /** The provider's answer the capturing upstream sends: a model name and numbers no re-serialization keeps. */
    static final String UPSTREAM_ANSWER = "{\"id\":\"c-1\",\"object\":\"chat.completion\",\"created\":1,"
            + "\"model\":\"sim-large-2026-01-01\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
            + "\"content\":\"ok\"},\"logprobs\":{\"content\":[{\"token\":\"ok\",\"logprob\":-1.0E-7}]},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}";

    @BeforeAll
    static void start(@TempDir Path dir) throws IOException {
        provider = SimulatedProvider.start();
        gateway = GatewayApplication.builder(GatewayFixture.config(provider, "", "mock://malformed-it", dir.resolve("a"),
                Map.of("TOLLGATE_MAX_BODY_BYTES", Integer.toString(MAX_BODY)))).withoutControl().eventSink(NO_EVENTS)
                .build().start();
        capture = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        capture.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                captured.add(in.readAllBytes());
            }
            byte[] body = UPSTREAM_ANSWER.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        capture.start();
        capturing = GatewayApplication.builder(GatewayFixture.config(
                        "http://127.0.0.1:" + capture.getAddress().getPort() + "/v1", "",
                        "mock://malformed-it-capture", dir.resolve("b"), Map.of()))
                .withoutControl().eventSink(NO_EVENTS).build().start();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        capturing.close();
        capture.stop(0);
        provider.close();
    }

    @BeforeEach
    void reset() {
        provider.counters().reset();
        captured.clear();
    }

    private static JsonNode error(String body) throws IOException {
        return JSON.readTree(body).get("error");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "temperature a string | {\"model\":\"sim-large\",\"temperature\":\"0.7\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | temperature | invalid_type",
            "n out of range       | {\"model\":\"sim-large\",\"n\":500,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | n | integer_above_max_value",
            "stop of five         | {\"model\":\"sim-large\",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"],\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | stop | array_above_max_length",
            "malformed part       | {\"model\":\"sim-large\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":\"u\"}]}]} | messages[0].content[0].image_url | invalid_type",
            "unknown part type    | {\"model\":\"sim-large\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"video\",\"video\":{}}]}]} | messages[0].content[0].type | invalid_value",
            "tool without name    | {\"model\":\"sim-large\",\"tools\":[{\"type\":\"function\",\"function\":{}}],\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | tools[0].function.name | missing_required_parameter",
            "response_format type | {\"model\":\"sim-large\",\"response_format\":{\"type\":\"yaml\"},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | response_format.type | invalid_value",
    })
    void shouldAnswer400NamingTheParameterAndForwardNothingWhenAParameterIsMalformed(String name, String body,
                                                                                   String param, String code)
            throws Exception {
        HttpResponse<String> r = post(http, gateway.port(), "/v1/chat/completions", PLANNER, body);

        assertThat(r.statusCode()).as(name).isEqualTo(400);
        JsonNode error = error(r.body());
        assertThat(error.get("param").asText()).isEqualTo(param);
        assertThat(error.get("code").asText()).isEqualTo(code);
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(provider.counters().total().requests()).isZero();
    }

    @Test
    void shouldAnswer400ForEmbeddingsWithAMalformedParameterAndForwardNothing() throws Exception {
        HttpResponse<String> r = post(http, gateway.port(), "/v1/embeddings", PLANNER,
                "{\"model\":\"sim-small\",\"input\":\"hi\",\"encoding_format\":\"hex\"}");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r.body()).get("param").asText()).isEqualTo("encoding_format");
        assertThat(provider.counters().total().requests()).isZero();
    }

    @Test
    void shouldAnswer400InvalidJsonNamingTheDepthWhenTheBodyNestsPathologically() throws Exception {
        // Given 5 000 levels of arrays in an extra parameter (well under the body limit)
        String deep = "[".repeat(5_000) + "]".repeat(5_000);

        HttpResponse<String> r = post(http, gateway.port(), "/v1/chat/completions", PLANNER,
                "{\"model\":\"sim-large\",\"x\":" + deep + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r.body()).get("code").asText()).isEqualTo("invalid_json");
        assertThat(error(r.body()).get("message").asText()).contains(Integer.toString(OpenAiRequests.MAX_NESTING_DEPTH));
        assertThat(provider.counters().total().requests()).isZero();
    }

    @Test
    void shouldRelayTheAgentsBytesUntouchedWhenTheRequestCarriesParametersTheGatewayDoesNotKnow() throws Exception {
        // Given numbers and fields a parse-and-serialize would rewrite or drop
        String body = "{\"model\":\"sim-large\", \"temperature\":0.70,\"top_p\":1e0,\"x_vendor\":{\"k\":[1E+2,-0.0]},"
                + "\"logit_bias\":{\"50256\":-100},\"messages\":[{\"role\":\"user\",\"content\":\"hi \\u00e9\"}]}";

        // When
        HttpResponse<String> r = post(http, capturing.port(), "/v1/chat/completions", PLANNER, body);

        // Then the provider got exactly those bytes, and the agent the provider's, with the catalog id as model
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(captured).hasSize(1);
        assertThat(new String(captured.get(0), StandardCharsets.UTF_8)).isEqualTo(body);
        assertThat(r.body()).isEqualTo(UPSTREAM_ANSWER.replace("sim-large-2026-01-01", "sim-large"));
    }

    @Test
    void shouldAddOnlyTheUsageRequestWhenRelayingAStreamedRequest() throws Exception {
        String body = "{\"model\":\"sim-large\",\"stream\":true,\"x\":1e2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        post(http, capturing.port(), "/v1/chat/completions", PLANNER, body);

        assertThat(new String(captured.get(0), StandardCharsets.UTF_8)).isEqualTo(
                "{\"model\":\"sim-large\",\"stream\":true,\"x\":1e2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                        + "\"stream_options\":{\"include_usage\":true}}");
    }

    @Test
    void shouldAnswer413InJsonAndKeepTheConnectionWhenTheDeclaredBodyIsTooLarge() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            // Given a 2 MB body, a hundred times the limit, sent in full as a client does without Expect
            byte[] big = new byte[2_000_000];
            java.util.Arrays.fill(big, (byte) 'x');
            OutputStream out = socket.getOutputStream();
            out.write(head("POST", "/v1/chat/completions", big.length));
            out.write(big);
            out.flush();

            // Then the answer is a 413 in OpenAI's shape
            Raw first = Raw.read(socket.getInputStream());
            assertThat(first.status()).isEqualTo(413);
            assertThat(error(first.body()).get("code").asText()).isEqualTo("request_too_large");
            assertThat(first.headers().getOrDefault("connection", "")).doesNotContain("close");

            // and the same connection serves the next request
            byte[] ok = GatewayFixture.chat("sim-large", "hi", 3, false).getBytes(StandardCharsets.UTF_8);
            out.write(head("POST", "/v1/chat/completions", ok.length));
            out.write(ok);
            out.flush();
            Raw second = Raw.read(socket.getInputStream());
            assertThat(second.status()).isEqualTo(200);
        }
        assertThat(provider.counters().total().requests()).isEqualTo(1);
    }

    @Test
    void shouldAnswer413InJsonWhenAChunkedBodyGrowsPastTheLimit() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + PLANNER
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[10_000];
            java.util.Arrays.fill(chunk, (byte) ' ');
            for (int i = 0; i < 5; i++) {
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();

            Raw answer = Raw.read(socket.getInputStream());
            assertThat(answer.status()).isEqualTo(413);
            assertThat(error(answer.body()).get("code").asText()).isEqualTo("request_too_large");
        }
        assertThat(provider.counters().total().requests()).isZero();
    }

    @Test
    void shouldAnswer431InOpenAisErrorShapeWhenTheHeadersAreTooLarge() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + PLANNER
                    + "\r\nX-Padding: " + "p".repeat(20_000) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();

            Raw answer = Raw.read(socket.getInputStream());

            assertThat(answer.status()).isEqualTo(431);
            assertThat(answer.headers().get("content-type")).startsWith("application/json");
            JsonNode error = error(answer.body());
            assertThat(error.get("code").asText()).isEqualTo("request_headers_too_large");
            assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
            assertThat(error.has("param")).isTrue();
        }
    }

    @Test
    void shouldAnswer501SayingWhatToSetWhenCallLookupIsNotConfigured() throws Exception {
        HttpResponse<String> r = GatewayFixture.get(http, gateway.port(), "/v1/calls/some-call", PLANNER);

        assertThat(r.statusCode()).isEqualTo(501);
        assertThat(error(r.body()).get("code").asText()).isEqualTo("not_configured");
        assertThat(error(r.body()).get("message").asText()).contains("TOLLGATE_METERING_URL");
    }

    private static byte[] head(String method, String path, int length) {
        return (method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + PLANNER
                + "\r\nContent-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** One HTTP/1.1 response read off a socket: status, lower-cased headers, body (by Content-Length or chunked). */
    private record Raw(int status, Map<String, String> headers, String body) {

        static Raw read(InputStream in) throws IOException {
            String statusLine = line(in);
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            String line;
            while (!(line = line(in)).isEmpty()) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (headers.containsKey("content-length")) {
                body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
            } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                int size;
                while ((size = Integer.parseInt(line(in).trim(), 16)) > 0) {
                    body.write(in.readNBytes(size));
                    line(in);
                }
                line(in);
            } else {
                body.write(in.readAllBytes());
            }
            return new Raw(status, headers, body.toString(StandardCharsets.UTF_8));
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return b.toString();
        }
    }
}
