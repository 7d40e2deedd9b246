package io.tollgate.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tollgate.cli.CliRunner;
import io.tollgate.cli.ops.ServiceHttp;
import io.tollgate.localstack.junit.RouteProbe;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access control across the whole stack, as {@code tollgate up} runs it: every route each of the four
 * listeners registered (gateway agents and admin, metering-stream, budget-alerts) refuses a request
 * without its credential or with another one, and serves it with its own; and no secret (an agent's
 * key, wrong keys sent to it, the provider's API key, the operator and admin tokens) reaches a log
 * line or a record on any topic.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AccessIT {

    private static final String TEAM = "vault";
    private static final String AGENT_SECRET = TeamsPolicyFile.secret(TEAM);
    private static final String WRONG_SECRET = "tg-wrong-" + UUID.randomUUID();
    private static final String PROVIDER_SECRET = "sk-provider-" + UUID.randomUUID();
    private static final String WRONG_TOKEN = "not-a-token-" + UUID.randomUUID();

    @TempDir
    static Path dir;
    private static TollgateStack stack;
    private static final ByteArrayOutputStream CAPTURED = new ByteArrayOutputStream();
    private static PrintStream originalErr;
    private static PrintStream originalOut;

    @BeforeAll
    static void start() throws Exception {
        // everything printed from here on, slf4j-simple's log lines (System.err) included, is kept for the last test
        originalErr = System.err;
        originalOut = System.out;
        System.setErr(new PrintStream(new Tee(originalErr), true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(new Tee(originalOut), true, StandardCharsets.UTF_8));
        Path file = TeamsPolicyFile.write(dir.resolve("tollgate.yaml"), List.of(new TeamsPolicyFile.Team(TEAM,
                "limit_usd: 100")));
        String yaml = Files.readString(file);
        assertThat(yaml).contains("api_keys: [sim-key-1, sim-key-2]");
        Files.writeString(file, yaml.replace("api_keys: [sim-key-1, sim-key-2]", "api_keys: [" + PROVIDER_SECRET + "]"));
        stack = TollgateStack.start(StackSettings.ephemeral(file, dir.resolve("data")), step -> { });
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
        System.setErr(originalErr);
        System.setOut(originalOut);
    }

    /** One listener: where it is, what it registered, its own credential, and what others get. */
    private record Listener(String name, String base, List<String> routes, String own, Map<String, Integer> others) {
    }

    private static String bearer(String token) {
        return "Bearer " + token;
    }

    @Test
    @Order(1)
    void shouldRefuseEveryRegisteredRouteOfEveryServiceWithoutItsCredential() {
        String agent = bearer(AGENT_SECRET);
        String operator = stack.operatorToken().token().authorization();
        String admin = stack.adminToken().token().authorization();
        String wrong = bearer(WRONG_TOKEN);
        List<Listener> listeners = List.of(
                new Listener("gateway agents", stack.gatewayUrl(), stack.gateway().agentRoutes(), agent,
                        Map.of("none", 401, wrong, 401, operator, 401, admin, 401)),
                new Listener("gateway admin", stack.adminUrl(), stack.gateway().adminRoutes(), admin,
                        Map.of("none", 401, wrong, 401, operator, 401, agent, 403)),
                new Listener("metering-stream", stack.meteringUrl(), stack.metering().routes(), operator,
                        Map.of("none", 401, wrong, 401, admin, 401, agent, 401)),
                new Listener("budget-alerts", stack.budgetUrl(), stack.budget().routes(), operator,
                        Map.of("none", 401, wrong, 401, admin, 401, agent, 401)));
        for (Listener l : listeners) {
            assertThat(l.routes()).as("%s registered routes", l.name()).isNotEmpty();
            l.others().forEach((credential, status) -> {
                Map<String, Integer> answers = RouteProbe.statuses(l.base(), l.routes(),
                        credential.equals("none") ? null : credential);
                assertThat(answers).as("%s with %s", l.name(), describe(credential))
                        .allSatisfy((route, answer) -> assertThat(answer).as(route).isEqualTo(status));
            });
            assertThat(RouteProbe.statuses(l.base(), l.routes(), l.own())).as("%s with its own credential", l.name())
                    .allSatisfy((route, answer) -> assertThat(answer).as(route).isNotIn(401, 403));
        }
    }

    private static String describe(String credential) {
        return credential.equals("none") ? "no credential" : credential.equals(bearer(WRONG_TOKEN)) ? "a wrong token"
                : credential.equals(bearer(AGENT_SECRET)) ? "an agent key" : "another service's token";
    }

    @Test
    @Order(2)
    void shouldKeepEverySecretOutOfTheLogsAndTheTopicsWhileTheStackServesCalls() throws Exception {
        // Given calls with the agent key, with wrong keys and tokens, and operator and admin calls
        GatewayCaller gateway = new GatewayCaller(stack.gatewayUrl());
        for (int i = 0; i < 3; i++) {
            GatewayCaller.Answer answer = gateway.call(TEAM, "sim-small", 5);
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        }
        assertThat(gateway.callWithSecret(WRONG_SECRET, "sim-small", 5, "hello").status()).isEqualTo(401);
        HttpClient http = HttpClient.newHttpClient();
        assertThat(get(http, stack.gatewayUrl() + "/v1/usage", bearer(AGENT_SECRET)).statusCode()).isEqualTo(200);
        assertThat(get(http, stack.adminUrl() + "/admin/stats", stack.adminToken().token().authorization()).statusCode())
                .isEqualTo(200);
        assertThat(get(http, stack.adminUrl() + "/metrics", bearer(WRONG_TOKEN)).statusCode()).isEqualTo(401);
        assertThat(get(http, stack.budgetUrl() + "/budgets", bearer(WRONG_TOKEN)).statusCode()).isEqualTo(401);
        assertThat(get(http, stack.meteringUrl() + "/dashboard?token=" + WRONG_TOKEN, null).statusCode()).isEqualTo(401);
        try (HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NORMAL).build()) {
            assertThat(get(browser, stack.meteringUrl() + "/dashboard?token=" + stack.operatorToken().token().value(), null)
                    .statusCode()).isEqualTo(200);
            assertThat(get(browser, stack.meteringUrl() + "/dashboard/api/budgets", null).statusCode()).isEqualTo(200);
        }
        ServiceHttp metering = new ServiceHttp(Duration.ofSeconds(5)).with(stack.operatorToken());
        await().atMost(Duration.ofSeconds(60)).until(() -> metering.get(stack.meteringUrl(), "/v1/keys/"
                + TeamsPolicyFile.keyId(TEAM) + "/daily").path("requests").asLong() >= 3);
        // and the operator's CLI, finding the token in the data directory as after 'tollgate up'
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            CliRunner usage = CliRunner.run("usage", "key", TeamsPolicyFile.keyId(TEAM), "--metering-url",
                    stack.meteringUrl(), "--data-dir", dir.resolve("data").toString());
            assertThat(usage.exit()).as(usage.err()).isZero();
            assertThat(usage.out()).contains("3 requests");
        });

        // When every record of every topic is read and the output so far is taken
        List<byte[]> records = everyRecord();
        String output = CAPTURED.toString(StandardCharsets.UTF_8);

        // Then the usage events are there and the log was captured, but no secret is in either
        assertThat(records).isNotEmpty();
        assertThat(output).contains("MeteringApplication - metering", "serving queries on port");
        Map<String, String> secrets = new HashMap<>(Map.of("agent key", AGENT_SECRET, "wrong agent key", WRONG_SECRET,
                "provider API key", PROVIDER_SECRET, "operator token", stack.operatorToken().token().value(),
                "admin token", stack.adminToken().token().value(), "wrong token", WRONG_TOKEN));
        secrets.forEach((what, secret) -> {
            assertThat(output).as("log output holds the %s", what).doesNotContain(secret);
            byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
            assertThat(records).as("a record holds the %s", what).noneMatch(bytes -> contains(bytes, needle));
        });
    }

    @Test
    @Order(3)
    void shouldListenOnLoopbackOnlyWhenNoBindAddressIsGiven() throws Exception {
        // Given an address of this machine other than loopback (none: nothing to show)
        java.net.InetAddress other = java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(i -> java.util.Collections.list(i.getInetAddresses()).stream())
                .filter(a -> a instanceof java.net.Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                .findFirst().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(other != null, "this machine has no address but loopback");

        // When / Then: each service's port answers on loopback and refuses the connection on that address
        for (String url : List.of(stack.gatewayUrl(), stack.adminUrl(), stack.meteringUrl(), stack.budgetUrl())) {
            int port = URI.create(url).getPort();
            try (java.net.Socket local = new java.net.Socket("127.0.0.1", port)) {
                assertThat(local.isConnected()).isTrue();
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
                try (java.net.Socket socket = new java.net.Socket()) {
                    socket.connect(new java.net.InetSocketAddress(other, port), 2_000);
                }
            }).as("%s on %s", url, other).isInstanceOf(java.io.IOException.class);
        }
    }

    @Test
    @Order(4)
    void shouldMakeTheGatewayObeyAnOperatorsBlockRestoreAndRevocationWhenIssuedFromTheCli() throws Exception {
        GatewayCaller gateway = new GatewayCaller(stack.gatewayUrl());
        String[] connection = {"--bootstrap-servers", stack.infrastructure().bootstrapServers(), "--registry-url",
                stack.infrastructure().registryUrl()};

        // When an operator blocks the team, the gateway refuses its calls with the operator's reason
        CliRunner block = CliRunner.run(concat(new String[] {"commands", "block", "--scope", "team:" + TEAM, "--reason",
                "incident 42"}, connection));
        assertThat(block.exit()).as(block.err()).isZero();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            GatewayCaller.Answer refused = gateway.call(TEAM, "sim-small", 5);
            assertThat(refused.status()).isEqualTo(403);
            assertThat(refused.body()).contains("call_refused", "incident 42");
        });

        // and once restored, serves them again
        assertThat(CliRunner.run(concat(new String[] {"commands", "restore", "--scope", "team:" + TEAM}, connection))
                .exit()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> gateway.call(TEAM, "sim-small", 5).status() == 200);

        // When the team's key is revoked, the gateway refuses it
        CliRunner revoke = CliRunner.run(concat(new String[] {"keys", "revoke", TeamsPolicyFile.keyId(TEAM)}, connection));
        assertThat(revoke.exit()).as(revoke.err()).isZero();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            GatewayCaller.Answer refused = gateway.call(TEAM, "sim-small", 5);
            assertThat(refused.status()).isEqualTo(403);
            assertThat(refused.body()).contains("api_key_revoked");
        });
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static HttpResponse<String> get(HttpClient http, String url, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Keys, values and headers of every record of every topic on the stack's broker, from the beginning. */
    private static List<byte[]> everyRecord() throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", stack.infrastructure().bootstrapServers());
        props.put("enable.auto.commit", "false");
        Set<String> topics;
        try (Admin admin = Admin.create(props)) {
            topics = admin.listTopics().names().get();
        }
        List<byte[]> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() != null) {
                        out.add(r.key());
                    }
                    if (r.value() != null) {
                        out.add(r.value());
                    }
                    for (Header h : r.headers()) {
                        out.add(h.value());
                    }
                }
                return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
            });
        }
        return out;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** Writes to the original stream and keeps a copy. */
    private static final class Tee extends java.io.OutputStream {
        private final PrintStream original;

        Tee(PrintStream original) {
            this.original = original;
        }

        @Override
        public void write(int b) {
            original.write(b);
            synchronized (CAPTURED) {
                CAPTURED.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            original.write(b, off, len);
            synchronized (CAPTURED) {
                CAPTURED.write(b, off, len);
            }
        }
    }
}
