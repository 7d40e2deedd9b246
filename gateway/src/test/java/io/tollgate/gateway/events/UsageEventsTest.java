package io.tollgate.gateway.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.gateway.catalog.ResolvedModel;
import io.tollgate.gateway.catalog.Sourced;
import io.tollgate.gateway.routing.Caller;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.Endpoint;
import io.tollgate.schemas.avro.ErrorKind;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.TokenSource;
import io.tollgate.schemas.avro.UsageEvent;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UsageEventsTest {

    static final ResolvedModel SIM_LARGE = new ResolvedModel("sim-large", new Sourced<>(128_000, "config"),
            new Sourced<>(16_384, "config"), new Sourced<>("o200k_base", "config"),
            new Sourced<>(2_500_000L, "config tollgate.yaml"), new Sourced<>(10_000_000L, "config tollgate.yaml"),
            new Sourced<>(1_250_000L, "config tollgate.yaml"), new Sourced<>("large", "config"),
            Optional.of(new Sourced<>("simulated", "config")), "sim-large", true);

    private final AttemptFacts facts = new AttemptFacts("call-1", 2, "gw-1", Endpoint.CHAT_COMPLETIONS,
            new Caller("k-planner", "acme", "research", "planner", "tier1", "conv-9"), "sim-large", SIM_LARGE,
            "simulated", true, true, "sim-xl", "cascade:rpm", 0.42, "large", "systems:3,build:1", 1_000, 500);

    @Test
    void shouldReserveThePromptPlusMaxTokensAtCatalogPricesWhenTheCallIsAdmitted() {
        UsageEvent e = UsageEvents.request(facts, 1_700_000_000_000L);

        assertThat(e.getPhase()).isEqualTo(Phase.REQUEST);
        assertThat(e.getStatus()).isEqualTo(CallStatus.ADMITTED);
        assertThat(e.getReservedPromptTokens()).isEqualTo(1_000);
        assertThat(e.getReservedCompletionTokens()).isEqualTo(500);
        assertThat(e.getReservedTokens()).isEqualTo(1_500);
        // 1000 * 2.50 $/M + 500 * 10.00 $/M = 0.0025 + 0.005 $ = 7500 micro-dollars
        assertThat(e.getReservedCostMicros()).isEqualTo(7_500);
        assertThat(e.getTotalTokens()).isZero();
        assertThat(e.getCostMicros()).isZero();
        assertThat(e.getTimestamp()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_000L));
        assertThat(e.getAttempt()).isEqualTo(2);
        assertThat(e.getFallback()).isTrue();
        assertThat(e.getFallbackFrom()).isEqualTo("sim-xl");
        assertThat(e.getRoutingReason()).isEqualTo("cascade:rpm");
        assertThat(e.getRoutingFeatures()).isEqualTo("systems:3,build:1");
        assertThat(e.getConversationId()).isEqualTo("conv-9");
        assertThat(e.getPriceSource()).isEqualTo("config tollgate.yaml");
    }

    @Test
    void shouldCarryActualFiguresAndRepeatTheReservationWhenTheAttemptEnds() {
        AttemptResult result = new AttemptResult(CallStatus.SUCCESS, ErrorKind.NONE, 200, 980, 200, 120,
                TokenSource.PROVIDER, "sim-large-2026", 35, 7L);

        UsageEvent e = UsageEvents.response(facts, result, 1_700_000_000_035L);

        assertThat(e.getPhase()).isEqualTo(Phase.RESPONSE);
        assertThat(e.getReservedTokens()).isEqualTo(1_500);
        assertThat(e.getReservedCostMicros()).isEqualTo(7_500);
        assertThat(e.getPromptTokens()).isEqualTo(980);
        assertThat(e.getCachedPromptTokens()).isEqualTo(200);
        assertThat(e.getCompletionTokens()).isEqualTo(120);
        assertThat(e.getTotalTokens()).isEqualTo(1_100);
        // 780 * 2.5 + 200 * 1.25 + 120 * 10 = 1950 + 250 + 1200 = 3400 micro-dollars
        assertThat(e.getCostMicros()).isEqualTo(3_400);
        assertThat(e.getTokenSource()).isEqualTo(TokenSource.PROVIDER);
        assertThat(e.getServedModel()).isEqualTo("sim-large-2026");
        assertThat(e.getLatencyMs()).isEqualTo(35);
        assertThat(e.getTimeToFirstTokenMs()).isEqualTo(7L);
        assertThat(e.getRoutingFeatures()).isEqualTo("systems:3,build:1");
        assertThat(e.getEventId()).isNotEqualTo(UsageEvents.request(facts, 0).getEventId());
    }

    @Test
    void shouldWriteEventsMeteringBelievesWhenTheFiguresAreTheGatewaysOrTheProviders() {
        // the gateway's own events pass the plausibility rule metering applies on ingest
        AttemptResult result = new AttemptResult(CallStatus.SUCCESS, ErrorKind.NONE, 200, 980, 200, 120,
                TokenSource.PROVIDER, "sim-large-2026", 35, 7L);
        UsageEvent request = UsageEvents.request(facts, 1_700_000_000_000L);
        UsageEvent response = UsageEvents.response(facts, result, 1_700_000_000_035L);

        assertThat(io.tollgate.policy.usage.UsagePlausibility.check(request)).isEmpty();
        assertThat(io.tollgate.policy.usage.UsagePlausibility.check(response)).isEmpty();
        assertThat(UsageEvents.response(facts, AttemptResult.failed(ErrorKind.TIMEOUT, 504, 30_000), 0))
                .satisfies(e -> assertThat(io.tollgate.policy.usage.UsagePlausibility.check(e)).isEmpty());
        // and carry the model's bounds they are judged by
        assertThat(request.getContextWindow()).isEqualTo(128_000);
        assertThat(response.getMaxOutputTokens()).isEqualTo(16_384);
    }

    @Test
    void shouldMarkTheEventWhenTheProvidersUsageWasRefused() {
        AttemptResult counted = new AttemptResult(CallStatus.SUCCESS, ErrorKind.NONE, 200, 1_000, 0, 99,
                TokenSource.COUNTED, null, 35, null, "provider usage refused: TOKENS_BEYOND_WINDOW (...)");

        UsageEvent e = UsageEvents.response(facts, counted, 0);

        assertThat(e.getTokenSource()).isEqualTo(TokenSource.COUNTED);
        assertThat(e.getUsageNote()).startsWith("provider usage refused: TOKENS_BEYOND_WINDOW");
        assertThat(UsageEvents.response(facts, AttemptResult.failed(ErrorKind.TIMEOUT, 504, 1), 0).getUsageNote()).isNull();
    }

    @Test
    void shouldHoldNoPromptOrCompletionTextWhenSerialised() throws Exception {
        // the schema has no text field at all; make sure no string field could hold one by accident
        UsageEvent e = UsageEvents.response(facts, AttemptResult.failed(ErrorKind.TIMEOUT, 504, 30_000), 0);
        assertThat(e.getSchema().getFields()).extracting(f -> f.name())
                .doesNotContain("prompt", "messages", "content", "completion", "text");
        assertThat(e.getStatus()).isEqualTo(CallStatus.ERROR);
        assertThat(e.getErrorKind()).isEqualTo(ErrorKind.TIMEOUT);
        assertThat(e.getHttpStatus()).isEqualTo(504);
    }

    @Test
    void shouldBuildWhatAvrosBuilderBuildsWhenEveryFieldIsSetDirectly() {
        // Given facts with the optional values present, and facts with them absent (but a sub-agent)
        AttemptFacts bare = new AttemptFacts("call-2", 1, "gw-1", Endpoint.EMBEDDINGS,
                new Caller("k-planner", "acme", "research", "planner", "tier1", null, "sub-1"), "auto", SIM_LARGE, "simulated",
                false, false, null, null, null, null, null, 7, 0);
        AttemptResult full = new AttemptResult(CallStatus.SUCCESS, ErrorKind.NONE, 200, 980, 200, 120,
                TokenSource.PROVIDER, "sim-large-2026", 35, 7L, "a note");
        for (AttemptFacts f : new AttemptFacts[] {facts, bare}) {
            for (AttemptResult r : new AttemptResult[] {full, AttemptResult.failed(ErrorKind.TIMEOUT, 504, 30_000)}) {
                // When each event is built, Then it equals the builder's, defaults included (the event id aside)
                UsageEvent request = UsageEvents.request(f, 1_700_000_000_000L);
                assertThat(request).isEqualTo(builderBase(f, Phase.REQUEST, 1_700_000_000_000L, request.getEventId())
                        .setStatus(CallStatus.ADMITTED).setErrorKind(ErrorKind.NONE)
                        .setTokenSource(TokenSource.COUNTED).build());
                UsageEvent response = UsageEvents.response(f, r, 1_700_000_000_035L);
                assertThat(response).isEqualTo(builderBase(f, Phase.RESPONSE, 1_700_000_000_035L, response.getEventId())
                        .setPromptTokens(r.promptTokens()).setCachedPromptTokens(r.cachedPromptTokens())
                        .setCompletionTokens(r.completionTokens())
                        .setTotalTokens(r.promptTokens() + r.completionTokens()).setCostMicros(f.costMicros(r))
                        .setTokenSource(r.tokenSource()).setServedModel(r.servedModel()).setStatus(r.status())
                        .setErrorKind(r.errorKind()).setHttpStatus(r.httpStatus()).setLatencyMs(r.latencyMs())
                        .setTimeToFirstTokenMs(r.timeToFirstTokenMs()).setUsageNote(r.usageNote()).build());
            }
        }
    }

    @Test
    void shouldRefuseARequiredFieldWhenItIsNull() {
        AttemptFacts noGateway = new AttemptFacts("call-2", 1, null, Endpoint.CHAT_COMPLETIONS,
                new Caller("k-planner", "acme", "research", "planner", "tier1", null), "sim-large", SIM_LARGE,
                "simulated", false, false, null, null, null, null, null, 7, 0);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> UsageEvents.request(noGateway, 0))
                .isInstanceOf(org.apache.avro.AvroRuntimeException.class).hasMessageContaining("gatewayId");
    }

    /** The fields every event carries, through Avro's builder: the reference the direct setters must match. */
    private static UsageEvent.Builder builderBase(AttemptFacts f, Phase phase, long nowMillis, String eventId) {
        return UsageEvent.newBuilder().setEventId(eventId).setCallId(f.callId()).setAttempt(f.attempt())
                .setPhase(phase).setTimestamp(Instant.ofEpochMilli(nowMillis)).setGatewayId(f.gatewayId())
                .setEndpoint(f.endpoint()).setApiKeyId(f.caller().keyId()).setTenant(f.caller().tenant())
                .setTeam(f.caller().team()).setAgent(f.caller().agent()).setSubAgent(f.caller().subAgent())
                .setConversationId(f.caller().conversationId()).setRequestedModel(f.requestedModel())
                .setModel(f.model().id()).setProvider(f.provider()).setStream(f.stream()).setFallback(f.fallback())
                .setFallbackFrom(f.fallbackFrom()).setRoutingReason(f.routingReason())
                .setComplexityScore(f.complexityScore()).setRoutedTier(f.routedTier())
                .setRoutingFeatures(f.routingFeatures()).setReservedPromptTokens(f.reservedPromptTokens())
                .setReservedCompletionTokens(f.reservedCompletionTokens()).setReservedTokens(f.reservedTokens())
                .setReservedCostMicros(f.reservedCostMicros()).setPriceSource(f.model().priceSource())
                .setInputPriceMicrosPerMillion(f.model().inputPrice().value())
                .setOutputPriceMicrosPerMillion(f.model().outputPrice().value())
                .setCachedInputPriceMicrosPerMillion(f.model().cachedInputPrice().value())
                .setContextWindow(f.model().contextWindow().value())
                .setMaxOutputTokens(f.model().maxOutputTokens().value());
    }
}
