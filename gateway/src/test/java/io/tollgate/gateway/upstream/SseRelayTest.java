package io.tollgate.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseRelayTest {

    private static final String STREAM = """
            data: {"id":"c1","model":"sim-large-2026","choices":[{"delta":{"content":"Hel"}}]}

            data: {"id":"c1","choices":[{"delta":{"content":"lo"}}],"usage":null}

            data: {"id":"c1","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14,"prompt_tokens_details":{"cached_tokens":4}}}

            data: [DONE]

            """;

    @Test
    void shouldForwardEveryByteAndFlushPerEventWhenRelaying() throws Exception {
        // Given an output that records what was flushed when
        List<String> flushed = new ArrayList<>();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        OutputStream client = new OutputStream() {
            @Override
            public void write(int b) {
                sink.write(b);
            }

            @Override
            public void flush() {
                flushed.add(sink.toString(StandardCharsets.UTF_8));
            }
        };

        // When
        SseRelay.Outcome outcome = SseRelay.relay(
                new ByteArrayInputStream(STREAM.getBytes(StandardCharsets.UTF_8)), client, true);

        // Then
        assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo(STREAM);
        assertThat(flushed).hasSizeGreaterThanOrEqualTo(4);
        assertThat(flushed.get(0)).endsWith("\"Hel\"}}]}\n\n");
        assertThat(outcome.usage()).contains(new Usage(12, 2, 4));
        assertThat(outcome.servedModel()).isEqualTo("sim-large-2026");
        assertThat(outcome.completionText().toString()).isEqualTo("Hello");
        assertThat(outcome.sawDone()).isTrue();
    }

    @Test
    void shouldReportNoUsageWhenTheProviderSendsNone() throws Exception {
        String stream = "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\r\n\r\ndata: [DONE]\r\n\r\n";
        SseRelay.Outcome outcome = SseRelay.relay(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)),
                new ByteArrayOutputStream(), true);

        assertThat(outcome.usage()).isEmpty();
        assertThat(outcome.completionText().toString()).isEqualTo("hi");
    }

    @Test
    void shouldDropTheUsageChunkAndItsBlankLineButStillMeterItWhenTheAgentDidNotAskForUsage() throws Exception {
        ByteArrayOutputStream client = new ByteArrayOutputStream();

        SseRelay.Outcome outcome = SseRelay.relay(new ByteArrayInputStream(STREAM.getBytes(StandardCharsets.UTF_8)),
                client, true, new SseRelay.Adaptation(null, false, u -> 99));

        assertThat(client.toString(StandardCharsets.UTF_8)).isEqualTo("""
                data: {"id":"c1","model":"sim-large-2026","choices":[{"delta":{"content":"Hel"}}]}

                data: {"id":"c1","choices":[{"delta":{"content":"lo"}}],"usage":null}

                data: [DONE]

                """);
        assertThat(outcome.usage()).contains(new Usage(12, 2, 4));
    }

    @Test
    void shouldNameTheCatalogModelAndAddTheCostToTheUsageWhenTheAgentAskedForUsage() throws Exception {
        ByteArrayOutputStream client = new ByteArrayOutputStream();

        SseRelay.Outcome outcome = SseRelay.relay(new ByteArrayInputStream(STREAM.getBytes(StandardCharsets.UTF_8)),
                client, true, new SseRelay.Adaptation("sim-large", true, u -> u.promptTokens() * 10));

        String relayed = client.toString(StandardCharsets.UTF_8);
        assertThat(relayed).contains("data: {\"id\":\"c1\",\"model\":\"sim-large\",\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n")
                .contains("\"tollgate_cost_micros\":120")
                .doesNotContain("sim-large-2026")
                .endsWith("data: [DONE]\n\n");
        assertThat(outcome.servedModel()).isEqualTo("sim-large-2026");
    }
}
