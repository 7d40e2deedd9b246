package io.tollgate.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
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

    @Test
    void shouldKeepEveryOtherByteOfTheUsageChunkWhenAddingTheCostAndNamingTheCatalogModel() throws Exception {
        // Given a usage chunk with spacing and a number a re-serialization would rewrite, and a cost already there
        String stream = "data: {\"id\":\"c1\", \"model\":\"up-1\",\"t\":1e2,\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":2,\"tollgate_cost_micros\":5}}\n\ndata: [DONE]\n\n";
        ByteArrayOutputStream client = new ByteArrayOutputStream();

        // When
        SseRelay.relay(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)), client, true,
                new SseRelay.Adaptation("sim-large", true, u -> 120));

        // Then
        assertThat(client.toString(StandardCharsets.UTF_8)).isEqualTo("data: {\"id\":\"c1\", \"model\":\"sim-large\","
                + "\"t\":1e2,\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":2,"
                + "\"tollgate_cost_micros\":120}}\n\ndata: [DONE]\n\n");
    }

    @Test
    void shouldRelayALineThatIsNoJsonAsSentAndReadNothingFromItWhenItBreaksOffMidway() throws Exception {
        // Given a data line cut after its model and text
        String stream = "data: {\"model\":\"up-1\",\"choices\":[{\"delta\":{\"content\":\"lost\"}}],\"usage\":{\"pro\n\n"
                + "data: {\"model\":\"up-2\",\"choices\":[{\"delta\":{\"content\":\"a\"},\"delta\":{\"content\":\"b\"}}]}\n\n"
                + "data:  [DONE] \n\n";
        ByteArrayOutputStream client = new ByteArrayOutputStream();

        // When
        SseRelay.Outcome outcome = SseRelay.relay(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)),
                client, true, new SseRelay.Adaptation("sim-large", false, u -> 1));

        // Then the broken line goes out untouched, nothing of it is read, and a repeated delta counts once
        assertThat(client.toString(StandardCharsets.UTF_8)).startsWith(
                "data: {\"model\":\"up-1\",\"choices\":[{\"delta\":{\"content\":\"lost\"}}],\"usage\":{\"pro\n\n"
                + "data: {\"model\":\"sim-large\",");
        assertThat(outcome.servedModel()).isEqualTo("up-2");
        assertThat(outcome.completionText().toString()).isEqualTo("b");
        assertThat(outcome.usage()).isEmpty();
        assertThat(outcome.sawDone()).isTrue();
    }

    @Test
    void shouldRelayTheSameLinesWhenTheProviderSendsThemInPiecesThatSplitLinesAndLineEnds() throws Exception {
        // Given the stream with CRLF line ends, once whole and once a few bytes per read
        byte[] crlf = STREAM.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
        InputStream trickle = new InputStream() {
            private int pos;
            private int step;

            @Override
            public int read() {
                return pos < crlf.length ? crlf[pos++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos == crlf.length) {
                    return -1;
                }
                int n = Math.min(Math.min(len, 1 + step++ % 7), crlf.length - pos);
                System.arraycopy(crlf, pos, b, off, n);
                pos += n;
                return n;
            }
        };
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        ByteArrayOutputStream pieces = new ByteArrayOutputStream();
        SseRelay.Adaptation adaptation = new SseRelay.Adaptation("sim-large", false, u -> 1);

        // When
        SseRelay.relay(new ByteArrayInputStream(crlf), whole, true, adaptation);
        SseRelay.Outcome outcome = SseRelay.relay(trickle, pieces, true, adaptation);

        // Then
        assertThat(pieces.toString(StandardCharsets.UTF_8)).isEqualTo(whole.toString(StandardCharsets.UTF_8))
                .startsWith("data: {\"id\":\"c1\",\"model\":\"sim-large\",").endsWith("data: [DONE]\n\n");
        assertThat(outcome.completionText().toString()).isEqualTo("Hello");
        assertThat(outcome.usage()).contains(new Usage(12, 2, 4));
    }
}
