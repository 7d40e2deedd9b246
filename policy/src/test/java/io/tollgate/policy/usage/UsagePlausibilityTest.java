package io.tollgate.policy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.price.Cost;
import io.tollgate.policy.usage.UsagePlausibility.Problem;
import io.tollgate.policy.usage.UsagePlausibility.Reason;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
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
    void shouldNameEachFigureWhenItIsTheOnlyNegativeOne() {
        // Given each figure in turn set negative on an otherwise plausible RESPONSE
        Map<String, UnaryOperator<UsageEvent.Builder>> negatives = new LinkedHashMap<>();
        negatives.put("reservedPromptTokens", b -> b.setReservedPromptTokens(-1));
        negatives.put("reservedCompletionTokens", b -> b.setReservedCompletionTokens(-1));
        negatives.put("reservedTokens", b -> b.setReservedTokens(Long.MIN_VALUE));
        negatives.put("reservedCostMicros", b -> b.setReservedCostMicros(-1));
        negatives.put("promptTokens", b -> b.setPromptTokens(-1));
        negatives.put("cachedPromptTokens", b -> b.setCachedPromptTokens(-1));
        negatives.put("completionTokens", b -> b.setCompletionTokens(-1));
        negatives.put("totalTokens", b -> b.setTotalTokens(-1));
        negatives.put("costMicros", b -> b.setCostMicros(-1));
        negatives.put("inputPriceMicrosPerMillion", b -> b.setInputPriceMicrosPerMillion(-1));
        negatives.put("outputPriceMicrosPerMillion", b -> b.setOutputPriceMicrosPerMillion(-1));
        negatives.put("cachedInputPriceMicrosPerMillion", b -> b.setCachedInputPriceMicrosPerMillion(-1));
        negatives.put("latencyMs", b -> b.setLatencyMs(-1));
        negatives.put("contextWindow", b -> b.setContextWindow(Integer.MIN_VALUE));
        negatives.put("maxOutputTokens", b -> b.setMaxOutputTokens(-1));
        negatives.put("timeToFirstTokenMs", b -> b.setTimeToFirstTokenMs(-1L));

        // When / Then each is refused as NEGATIVE, naming the figure
        negatives.forEach((figure, negative) -> assertThat(UsagePlausibility.check(negative.apply(response()).build()))
                .as(figure).hasValueSatisfying(p -> {
                    assertThat(p.reason()).isEqualTo(Reason.NEGATIVE);
                    assertThat(p.detail()).startsWith(figure + " is ");
                }));
    }

    @Test
    void shouldNameEachIdOrNameWhenItIsTheOnlyOneMissingOrTooLong() {
        // Given each id and name in turn missing or too long
        String tooLong = "n".repeat(UsagePlausibility.MAX_NAME_CHARS + 1);
        Map<String, UnaryOperator<UsageEvent.Builder>> ids = new LinkedHashMap<>();
        ids.put("eventId", b -> b.setEventId(" "));
        ids.put("callId", b -> b.setCallId(""));
        ids.put("apiKeyId", b -> b.setApiKeyId("\t"));
        ids.put("tenant", b -> b.setTenant(""));
        ids.put("team", b -> b.setTeam(" "));
        ids.put("agent", b -> b.setAgent(""));
        ids.put("model", b -> b.setModel(" "));
        Map<String, UnaryOperator<UsageEvent.Builder>> names = new LinkedHashMap<>();
        names.put("eventId", b -> b.setEventId(tooLong));
        names.put("callId", b -> b.setCallId(tooLong));
        names.put("apiKeyId", b -> b.setApiKeyId(tooLong));
        names.put("tenant", b -> b.setTenant(tooLong));
        names.put("team", b -> b.setTeam(tooLong));
        names.put("agent", b -> b.setAgent(tooLong));
        names.put("model", b -> b.setModel(tooLong));
        names.put("conversationId", b -> b.setConversationId(tooLong));
        names.put("subAgent", b -> b.setSubAgent(tooLong));

        // When / Then each is refused for that id or name
        ids.forEach((id, blank) -> assertThat(UsagePlausibility.check(blank.apply(request()).build())).as(id)
                .hasValueSatisfying(p -> {
                    assertThat(p.reason()).isEqualTo(Reason.MISSING_ID);
                    assertThat(p.detail()).startsWith(id + " is blank");
                }));
        names.forEach((name, longer) -> assertThat(UsagePlausibility.check(longer.apply(request()).build())).as(name)
                .hasValueSatisfying(p -> {
                    assertThat(p.reason()).isEqualTo(Reason.NAME_TOO_LONG);
                    assertThat(p.detail()).startsWith(name + " has " + tooLong.length() + " characters");
                }));
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
