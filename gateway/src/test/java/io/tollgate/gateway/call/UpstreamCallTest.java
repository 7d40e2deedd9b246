package io.tollgate.gateway.call;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.gateway.catalog.ResolvedModel;
import io.tollgate.gateway.catalog.Sourced;
import io.tollgate.gateway.events.AttemptFacts;
import io.tollgate.gateway.events.AttemptResult;
import io.tollgate.gateway.routing.Caller;
import io.tollgate.gateway.tokens.Tokenizers;
import io.tollgate.gateway.upstream.Provider;
import io.tollgate.gateway.upstream.Usage;
import io.tollgate.schemas.avro.Endpoint;
import io.tollgate.schemas.avro.TokenSource;
import io.tollgate.localstack.provider.SimulatedProvider;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UpstreamCallTest {

    private static final ResolvedModel SIM_LARGE = new ResolvedModel("sim-large", new Sourced<>(128_000, "config"),
            new Sourced<>(16_384, "config"), new Sourced<>("o200k_base", "config"),
            new Sourced<>(2_500_000L, "config"), new Sourced<>(10_000_000L, "config"), new Sourced<>(1_250_000L, "config"),
            new Sourced<>("large", "config"), Optional.of(new Sourced<>("simulated", "config")), "sim-large", true);

    /** A call of a 128k/16k model whose prompt the gateway counted as 900 tokens with o200k_base. */
    private final UpstreamCall call = new UpstreamCall(
            new Provider("simulated", "http://127.0.0.1:9", List.of(), Duration.ofSeconds(1), Duration.ofSeconds(1)),
            new Tokenizers().forName("o200k_base"), Endpoint.CHAT_COMPLETIONS, request(),
            new AttemptFacts("call-1", 1, "gw-1", Endpoint.CHAT_COMPLETIONS,
                    new Caller("k-1", "acme", "research", "planner", "tier1", null), "sim-large",
                    SIM_LARGE, "simulated", false, false, null, "requested",
                    null, null, null, 900, 16_384), 0, r -> { });

    private static ChatRequest request() {
        try {
            byte[] raw = "{\"model\":\"sim-large\",\"messages\":[]}".getBytes();
            return new ChatRequest("sim-large", new ObjectMapper().createArrayNode(), null, false, null,
                    (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(raw), raw);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void shouldMeterTheProvidersFiguresWhenTheyArePossible() {
        AttemptResult r = call.metered(Optional.of(new Usage(950, 120, 0)), () -> 99, "sim-large", 5_000_000, null);

        assertThat(r.tokenSource()).isEqualTo(TokenSource.PROVIDER);
        assertThat(r.promptTokens()).isEqualTo(950);
        assertThat(r.completionTokens()).isEqualTo(120);
        assertThat(r.usageNote()).isNull();
    }

    @Test
    void shouldMeterItsOwnCountsAndSayWhyWhenTheProvidersFiguresAreImpossible() {
        AttemptResult r = call.metered(Optional.of(new Usage(950, Long.MAX_VALUE, 0)), () -> 99, "sim-large", 5_000_000, null);

        assertThat(r.tokenSource()).isEqualTo(TokenSource.COUNTED);
        assertThat(r.promptTokens()).isEqualTo(900);
        assertThat(r.completionTokens()).isEqualTo(99);
        assertThat(r.usageNote()).startsWith("provider usage refused: TOKENS_BEYOND_WINDOW");
    }

    @Test
    void shouldMeterItsOwnCountsWithoutANoteWhenTheProviderReportedNothing() {
        AttemptResult r = call.metered(Optional.empty(), () -> 42, null, 5_000_000, 7L);

        assertThat(r.tokenSource()).isEqualTo(TokenSource.COUNTED);
        assertThat(r.completionTokens()).isEqualTo(42);
        assertThat(r.usageNote()).isNull();
        assertThat(r.timeToFirstTokenMs()).isEqualTo(7L);
    }

    @Test
    void shouldReportTheFiguresBeforeTheAnswerIsSentWhenNotStreaming() {
        try (SimulatedProvider provider = SimulatedProvider.builder().port(0).start()) {
            // Given an attempt whose report is recorded, and an agent's side that notes what was reported when sent
            List<AttemptResult> reported = new ArrayList<>();
            List<String> seen = new ArrayList<>();
            UpstreamCall attempt = attempt(provider, false, reported::add);
            ClientResponse agent = new RecordingResponse(seen, reported);

            // When the provider answers
            UpstreamCall.Result result = attempt.run(agent, Map.of());

            // Then the figures were reported once, before the answer began
            assertThat(result.answered()).isTrue();
            assertThat(reported).containsExactly(result.attempt());
            assertThat(seen).first().isEqualTo("begin 200 after 1 report(s)");
        }
    }

    @Test
    void shouldReportTheFiguresBeforeDoneIsWrittenWhenStreaming() {
        try (SimulatedProvider provider = SimulatedProvider.builder().port(0).start()) {
            // Given a streamed attempt
            List<AttemptResult> reported = new ArrayList<>();
            List<String> seen = new ArrayList<>();
            UpstreamCall attempt = attempt(provider, true, reported::add);

            // When the provider streams its answer
            UpstreamCall.Result result = attempt.run(new RecordingResponse(seen, reported), Map.of());

            // Then the stream began before any report, and [DONE] reached the agent only after the one report
            assertThat(seen).first().isEqualTo("begin 200 after 0 report(s)");
            assertThat(seen).contains("[DONE] after 1 report(s)");
            assertThat(reported).containsExactly(result.attempt());
            assertThat(result.attempt().completionTokens()).isEqualTo(5);
        }
    }

    private static UpstreamCall attempt(SimulatedProvider provider, boolean stream,
                                        java.util.function.Consumer<AttemptResult> report) {
        byte[] raw = ("{\"model\":\"sim-large\",\"max_tokens\":5,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").getBytes(StandardCharsets.UTF_8);
        ChatRequest request;
        try {
            var body = (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(raw);
            request = new ChatRequest("sim-large", body.get("messages"), null, stream, 5, body, raw);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new UpstreamCall(new Provider("simulated", provider.baseUrl(), List.of(), Duration.ofSeconds(5),
                Duration.ofSeconds(5)), new Tokenizers().forName("o200k_base"), Endpoint.CHAT_COMPLETIONS, request,
                new AttemptFacts("call-1", 1, "gw-1", Endpoint.CHAT_COMPLETIONS,
                        new Caller("k-1", "acme", "research", "planner", "tier1", null), "sim-large",
                        SIM_LARGE, "simulated", stream, false, null, "requested", null, null, null, 10, 5), 0, report);
    }

    /** The agent's side: notes when the answer began and when [DONE] was written, with the reports made by then. */
    private record RecordingResponse(List<String> seen, List<AttemptResult> reported) implements ClientResponse {
        @Override
        public void begin(int status, String contentType, Map<String, String> headers) {
            seen.add("begin " + status + " after " + reported.size() + " report(s)");
        }

        @Override
        public OutputStream body() {
            return new ByteArrayOutputStream() {
                @Override
                public void write(byte[] b, int off, int len) {
                    if (new String(b, off, len, StandardCharsets.UTF_8).contains("[DONE]")) {
                        seen.add("[DONE] after " + reported.size() + " report(s)");
                    }
                    super.write(b, off, len);
                }
            };
        }
    }
}
