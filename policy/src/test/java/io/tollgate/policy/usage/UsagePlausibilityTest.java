package io.tollgate.policy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.price.Cost;
import io.tollgate.policy.usage.UsagePlausibility.Problem;
import io.tollgate.policy.usage.UsagePlausibility.Reason;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UsagePlausibilityTest {

    private static final long IN = 2_500_000;
    private static final long CACHED = 1_250_000;
    private static final long OUT = 10_000_000;

    /** A REQUEST reserving 1000 prompt + 200 completion tokens of a 128k/16k model at 2.50/1.25/10.00 $/M. */
    private static UsageEvent.Builder request() {
        return UsageEvent.newBuilder().setEventId("e1").setCallId("c1").setPhase(Phase.REQUEST)
                .setTimestamp(Instant.parse("2026-11-21T10:00:00Z")).setApiKeyId("k1").setTenant("acme")
                .setTeam("search").setAgent("crawler").setRequestedModel("gpt-4o").setModel("gpt-4o")
                .setReservedPromptTokens(1000).setReservedCompletionTokens(200).setReservedTokens(1200)
                .setReservedCostMicros(Cost.micros(1000, 0, 200, IN, CACHED, OUT))
                .setInputPriceMicrosPerMillion(IN).setCachedInputPriceMicrosPerMillion(CACHED)
                .setOutputPriceMicrosPerMillion(OUT).setContextWindow(128_000).setMaxOutputTokens(16_384);
    }

    /** Its RESPONSE: 1000 prompt (400 cached) + 150 completion tokens. */
    private static UsageEvent.Builder response() {
        return request().setEventId("e2").setPhase(Phase.RESPONSE).setPromptTokens(1000).setCachedPromptTokens(400)
                .setCompletionTokens(150).setTotalTokens(1150).setCostMicros(Cost.micros(1000, 400, 150, IN, CACHED, OUT))
                .setStatus(CallStatus.SUCCESS);
    }

    private static Optional<Reason> reason(UsageEvent.Builder event) {
        return UsagePlausibility.check(event.build()).map(Problem::reason);
    }

    @Test
    void shouldAcceptRequestAndResponseWhenFiguresAreConsistentWithTheModelAndPrices() {
        assertThat(UsagePlausibility.check(request().build())).isEmpty();
        assertThat(UsagePlausibility.check(response().build())).isEmpty();
    }

    @Test
    void shouldRefuseEventWhenAnIdIsBlankOrTheAttemptIsNotOneBased() {
        assertThat(reason(request().setTenant(" "))).contains(Reason.MISSING_ID);
        assertThat(reason(request().setCallId(""))).contains(Reason.MISSING_ID);
        assertThat(reason(request().setAttempt(0))).contains(Reason.MISSING_ID);
    }

    @Test
    void shouldRefuseEventWhenAnIdOrNameIsLongerThanTheBound() {
        String longest = "x".repeat(UsagePlausibility.MAX_NAME_CHARS);
        assertThat(reason(request().setConversationId(longest).setSubAgent(longest).setModel(longest))).isEmpty();
        assertThat(reason(request().setConversationId(longest + "x"))).contains(Reason.NAME_TOO_LONG);
        assertThat(reason(request().setSubAgent(longest + "x"))).contains(Reason.NAME_TOO_LONG);
        assertThat(reason(request().setTeam(longest + "x"))).contains(Reason.NAME_TOO_LONG);
        assertThat(UsagePlausibility.check(request().setEventId("e".repeat(100_000)).build()))
                .hasValueSatisfying(p -> assertThat(p.detail()).hasSizeLessThan(200)
                        .contains("eventId has 100000 characters", "expected at most 1024"));
    }

    @Test
    void shouldRefuseEventWhenAnyFigureIsNegative() {
        assertThat(reason(response().setPromptTokens(-5))).contains(Reason.NEGATIVE);
        assertThat(reason(request().setReservedCostMicros(-1))).contains(Reason.NEGATIVE);
        assertThat(reason(response().setLatencyMs(-1))).contains(Reason.NEGATIVE);
        Problem p = UsagePlausibility.check(response().setPromptTokens(-5).build()).orElseThrow();
        assertThat(p.detail()).contains("promptTokens is -5").contains("RESPONSE event e2");
    }

    @Test
    void shouldRefuseTokensBeyondContextWindowPlusLargestOutputWhenTheEventSaysTheWindow() {
        // 128_000 + 16_384 = 144_384 is the bound
        UsageEvent.Builder atBound = response().setPromptTokens(128_000).setCachedPromptTokens(0)
                .setCompletionTokens(16_384).setTotalTokens(144_384)
                .setCostMicros(Cost.micros(128_000, 0, 16_384, IN, CACHED, OUT));
        assertThat(reason(atBound)).isEmpty();
        UsageEvent.Builder beyond = response().setCompletionTokens(143_385).setTotalTokens(144_385)
                .setCostMicros(Cost.micros(1000, 400, 143_385, IN, CACHED, OUT));
        assertThat(reason(beyond)).contains(Reason.TOKENS_BEYOND_WINDOW);
    }

    @Test
    void shouldBoundTokensAbsolutelyWhenTheWindowIsUnknown() {
        UsageEvent.Builder huge = response().setContextWindow(0).setMaxOutputTokens(0)
                .setCompletionTokens(Long.MAX_VALUE - 1000).setTotalTokens(Long.MAX_VALUE);
        Problem p = UsagePlausibility.check(huge.build()).orElseThrow();
        assertThat(p.reason()).isEqualTo(Reason.TOKENS_BEYOND_WINDOW);
        assertThat(p.detail()).contains("at most " + UsagePlausibility.ABSOLUTE_MAX_TOKENS);
    }

    @Test
    void shouldRefuseTokensThatDoNotAddUp() {
        assertThat(reason(request().setReservedTokens(1300))).contains(Reason.TOKENS_INCONSISTENT);
        assertThat(reason(response().setTotalTokens(1200))).contains(Reason.TOKENS_INCONSISTENT);
        assertThat(reason(response().setCachedPromptTokens(1001))).contains(Reason.TOKENS_INCONSISTENT);
    }

    @Test
    void shouldRefuseCostNearLongMaxWhenTokensAndPricesCostLittle() {
        assertThat(reason(response().setCostMicros(Long.MAX_VALUE - 7))).contains(Reason.COST_MISMATCH);
        assertThat(reason(request().setReservedCostMicros(Long.MAX_VALUE))).contains(Reason.COST_MISMATCH);
    }

    @Test
    void shouldAcceptCostWithinToleranceAndRefuseItBeyond() {
        long exact = Cost.micros(1000, 400, 150, IN, CACHED, OUT);
        assertThat(reason(response().setCostMicros(exact + UsagePlausibility.COST_TOLERANCE_MICROS))).isEmpty();
        assertThat(reason(response().setCostMicros(exact - UsagePlausibility.COST_TOLERANCE_MICROS))).isEmpty();
        assertThat(reason(response().setCostMicros(exact + UsagePlausibility.COST_TOLERANCE_MICROS + 1)))
                .contains(Reason.COST_MISMATCH);
    }

    @Test
    void shouldRefusePriceBeyondTheDearestBelievedWhenItCouldOverflowSums() {
        assertThat(reason(request().setOutputPriceMicrosPerMillion(UsagePlausibility.MAX_PRICE_MICROS_PER_MILLION + 1)))
                .contains(Reason.PRICE_BEYOND_BOUND);
    }

    @Test
    void shouldRequireZeroCostWhenTheEventCarriesNoPrices() {
        UsageEvent.Builder free = response().setInputPriceMicrosPerMillion(0).setCachedInputPriceMicrosPerMillion(0)
                .setOutputPriceMicrosPerMillion(0).setReservedCostMicros(0).setCostMicros(0);
        assertThat(reason(free)).isEmpty();
        assertThat(reason(free.setCostMicros(10))).contains(Reason.COST_MISMATCH);
    }

    @Test
    void shouldJudgeProviderUsageByTheSameBoundsWhenTheGatewayReadsIt() {
        assertThat(UsagePlausibility.checkProviderUsage(1000, 400, 150, 128_000, 16_384)).isEmpty();
        assertThat(UsagePlausibility.checkProviderUsage(-1, 0, 150, 128_000, 16_384)).get()
                .extracting(Problem::reason).isEqualTo(Reason.NEGATIVE);
        assertThat(UsagePlausibility.checkProviderUsage(1000, 0, Long.MAX_VALUE, 128_000, 16_384)).get()
                .extracting(Problem::reason).isEqualTo(Reason.TOKENS_BEYOND_WINDOW);
        assertThat(UsagePlausibility.checkProviderUsage(1000, 1001, 150, 128_000, 16_384)).get()
                .extracting(Problem::reason).isEqualTo(Reason.TOKENS_INCONSISTENT);
    }
}
