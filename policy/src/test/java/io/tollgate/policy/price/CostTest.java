package io.tollgate.policy.price;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CostTest {

    @Test
    void shouldChargeCachedPromptTokensAtTheCachedPriceWhenSomeArecached() {
        // 1000 prompt (400 cached) at 2.50 / 1.25, 200 completion at 10.00 $/M:
        // 600*2_500_000 + 400*1_250_000 + 200*10_000_000 = 4_000_000_000 -> 4000 micro-dollars
        assertThat(Cost.micros(1000, 400, 200, 2_500_000, 1_250_000, 10_000_000)).isEqualTo(4000);
    }

    @Test
    void shouldRoundHalfUpWhenTheCostEndsInHalfAMicroDollar() {
        // 1 token at 0.50 $/M = 0.5 micro-dollars -> 1; 1 token at 0.49 $/M -> 0
        assertThat(Cost.micros(1, 0, 0, 500_000, 0, 0)).isEqualTo(1);
        assertThat(Cost.micros(1, 0, 0, 499_999, 0, 0)).isZero();
        assertThat(Cost.micros(3, 0, 0, 500_000, 0, 0)).isEqualTo(2);
    }

    @Test
    void shouldNotOverflowWhenTokensTimesPriceExceedsALong() {
        long micros = Cost.micros(0, 0, 4_000_000_000L, 0, 0, 75_000_000_000L);
        assertThat(micros).isEqualTo(300_000_000_000_000L);
    }

    @Test
    void shouldChargeReasoningTokensAtTheReasoningPriceWhenReported() {
        // 100 completion of which 60 reasoning: 40 at 10 $/M + 60 at 20 $/M = 1600 micro-dollars
        Price price = new Price(0, 0, 10_000_000, 20_000_000);

        assertThat(Cost.micros(0, 0, 100, 60, price)).isEqualTo(1600);
        assertThat(Cost.micros(0, 0, 100, 60, Price.of(0, 10_000_000))).isEqualTo(Cost.micros(0, 100, Price.of(0, 10_000_000)));
    }

    @Test
    void shouldThrowRatherThanWrapWhenTheCostDoesNotFitALong() {
        assertThatThrownBy(() -> Cost.micros(Long.MAX_VALUE, 0, Price.of(Long.MAX_VALUE, 0)))
                .isInstanceOf(ArithmeticException.class);
    }

    @Test
    void shouldRefuseImpossibleTokenFiguresWhenAPartExceedsItsWhole() {
        assertThatThrownBy(() -> Cost.micros(10, 11, 0, 0, Price.FREE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cached 11");
        assertThatThrownBy(() -> Cost.micros(-1, 0, Price.FREE)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldEqualTheBigIntegerFormulaWhenFiguresAreNearTheEdgesOfALong() {
        SplittableRandom random = new SplittableRandom(14);
        long[] edges = {0, 1, 499_999, 500_000, 1_000_000, (1L << 31) - 1, 1L << 31, (1L << 32) + 7, 3_037_000_499L,
                3_037_000_500L, 1L << 40, Long.MAX_VALUE / 1_000_000, Long.MAX_VALUE / 4, Long.MAX_VALUE - 499_999,
                Long.MAX_VALUE};
        for (int i = 0; i < 200_000; i++) {
            long prompt = pick(random, edges);
            long cached = prompt == 0 ? 0 : random.nextLong(prompt + 1 > 0 ? prompt + 1 : prompt);
            long completion = pick(random, edges);
            long reasoning = completion == 0 ? 0 : random.nextLong(completion + 1 > 0 ? completion + 1 : completion);
            Price price = new Price(pick(random, edges), pick(random, edges), pick(random, edges), pick(random, edges));
            BigInteger scaled = BigInteger.valueOf(prompt - cached).multiply(BigInteger.valueOf(price.inputMicrosPerMillion()))
                    .add(BigInteger.valueOf(cached).multiply(BigInteger.valueOf(price.cachedInputMicrosPerMillion())))
                    .add(BigInteger.valueOf(completion - reasoning).multiply(BigInteger.valueOf(price.outputMicrosPerMillion())))
                    .add(BigInteger.valueOf(reasoning).multiply(BigInteger.valueOf(price.reasoningMicrosPerMillion())));
            BigInteger expected = scaled.add(BigInteger.valueOf(500_000)).divide(BigInteger.valueOf(1_000_000));
            if (expected.bitLength() < 64) {
                assertThat(Cost.micros(prompt, cached, completion, reasoning, price))
                        .as("prompt %d (cached %d), completion %d (reasoning %d), %s", prompt, cached, completion,
                                reasoning, price)
                        .isEqualTo(expected.longValueExact());
            } else {
                assertThatThrownBy(() -> Cost.micros(prompt, cached, completion, reasoning, price))
                        .isInstanceOf(ArithmeticException.class);
            }
        }
    }

    /** An edge value, or a value near one (small ones most often, as real token counts and prices are). */
    private static long pick(SplittableRandom random, long[] edges) {
        long edge = edges[random.nextInt(edges.length)];
        return switch (random.nextInt(3)) {
            case 0 -> edge;
            case 1 -> Math.max(0, edge - random.nextInt(1_000));
            default -> random.nextLong(1, 100_000_000);
        };
    }
}
