package io.tollgate.gateway.it;

import static io.tollgate.gateway.it.GatewayFixture.PLANNER;
import static io.tollgate.gateway.it.GatewayFixture.chat;
import static io.tollgate.gateway.it.GatewayFixture.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tollgate.gateway.GatewayApplication;
import io.tollgate.localstack.EmbeddedKafka;
import io.tollgate.localstack.provider.SimulatedProvider;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.UsageEvent;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka goes away while agents keep calling: events are spooled on disk, the gateway refuses new
 * calls with 503 once the spool is full, and after the broker restarts (same data directory and
 * port) every spooled event reaches the topic in the order the calls were made.
 */
class SpoolReplayIT {

    @Test
    void shouldSpoolRefuseWhenFullAndReplayInOrderWhenTheBrokerComesBack(@TempDir Path dir) throws Exception {
        // Given a dedicated broker we can stop, and a gateway with a small spool; the test is about the spool, so
        // the gateway takes its keys from the policy file (TOLLGATE_POLICY_TOPIC=false), not from a topic that
        // would stop with the broker
        Path data = dir.resolve("kafka");
        EmbeddedKafka broker = EmbeddedKafka.builder().dataDir(data).start();
        int port = broker.port();
        broker.createTopics(Topics.specs(), 1);
        String registry = "mock://spool-replay-it";
        HttpClient http = HttpClient.newHttpClient();
        List<String> calls = new ArrayList<>();
        try (SimulatedProvider provider = SimulatedProvider.start();
             GatewayApplication gateway = GatewayFixture.start(GatewayFixture.config(provider,
                     broker.bootstrapServers(), registry, dir, Map.of("TOLLGATE_SPOOL_MAX_BYTES", "3000",
                             "TOLLGATE_POLICY_TOPIC", "false")))) {
            calls.add(callId(post(http, gateway.port(), "/v1/chat/completions", PLANNER, chat("sim-small", "one", 2, false))));
            await().atMost(Duration.ofSeconds(30)).until(() -> gateway.events().pendingEvents() == 0);

            // When the broker stops and calls continue until the spool is full
            broker.close();
            HttpResponse<String> refused = null;
            for (int i = 0; i < 100 && refused == null; i++) {
                HttpResponse<String> r = post(http, gateway.port(), "/v1/chat/completions", PLANNER,
                        chat("sim-small", "during outage " + i, 2, false));
                if (r.statusCode() == 200) {
                    calls.add(callId(r));
                } else {
                    refused = r;
                }
            }

            // Then calls were served while spooling, and the full spool refuses with a reason
            assertThat(calls).hasSizeGreaterThan(2);
            assertThat(refused).isNotNull();
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).contains("event_spool_full").contains("spool is full");
            assertThat(gateway.events().pendingEvents()).isGreaterThanOrEqualTo(2L * (calls.size() - 1));

            // When the broker is back on the same port with the same data
            try (EmbeddedKafka restarted = EmbeddedKafka.builder().dataDir(data).port(port).start();
                 GatewayFixture.UsageReader reader = new GatewayFixture.UsageReader(restarted.bootstrapServers(),
                         Topics.forRegistry(registry))) {
                // Then every event arrives, REQUEST before RESPONSE, calls in the order they were made
                List<UsageEvent> events = await().atMost(Duration.ofSeconds(90))
                        .until(reader::poll, l -> l.size() >= 2 * calls.size());
                List<String> order = events.stream().map(e -> e.getCallId() + ":" + e.getPhase()).distinct().toList();
                List<String> expected = new ArrayList<>();
                calls.forEach(c -> {
                    expected.add(c + ":REQUEST");
                    expected.add(c + ":RESPONSE");
                });
                assertThat(order).containsExactlyElementsOf(expected);
                await().atMost(Duration.ofSeconds(30)).until(() -> gateway.events().pendingEvents() == 0);
                assertThat(post(http, gateway.port(), "/v1/chat/completions", PLANNER,
                        chat("sim-small", "after", 2, false)).statusCode()).isEqualTo(200);
            }
        }
    }

    private static String callId(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.headers().firstValue("X-Tollgate-Call-Id").orElseThrow();
    }
}
