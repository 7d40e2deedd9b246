package io.tollgate.policy.price;

import java.math.BigInteger;

/**
 * The one price formula, in integer micro-dollars, used by the gateway (reservation and actual cost),
 * metering-stream (plausibility of reported costs), routing (cheapest model) and the CLI:
 * <pre>
 * cost = round-half-up( ( (prompt - cached) x input + cached x cachedInput
 *                        + (completion - reasoning) x output + reasoning x reasoningPrice ) / 10^6 )
 * </pre>
 * with prices in micro-dollars per million tokens. Computed exactly: in {@code long} arithmetic while every product
 * and the sum fit one (every real call), else in {@link BigInteger}; a result that does not fit a {@code long}
 * throws {@link ArithmeticException} rather than wrapping.
 */
public final class Cost {

    private static final BigInteger MILLION = BigInteger.valueOf(1_000_000);
    private static final BigInteger HALF_MILLION = BigInteger.valueOf(500_000);

    private Cost() {
    }

    /**
     * Cost of one call. {@code cachedPromptTokens} are part of {@code promptTokens}, {@code reasoningTokens}
     * part of {@code completionTokens}; neither part may exceed its whole.
     */
    public static long micros(long promptTokens, long cachedPromptTokens, long completionTokens, long reasoningTokens,
                              Price price) {
        if (promptTokens < 0 || cachedPromptTokens < 0 || completionTokens < 0 || reasoningTokens < 0
                || cachedPromptTokens > promptTokens || reasoningTokens > completionTokens) {
            throw new IllegalArgumentException("tokens prompt " + promptTokens + " (cached " + cachedPromptTokens
                    + "), completion " + completionTokens + " (reasoning " + reasoningTokens
                    + "): expected none negative and each part within its whole");
        }
        long small = scaledWithinLong(promptTokens - cachedPromptTokens, price.inputMicrosPerMillion(),
                cachedPromptTokens, price.cachedInputMicrosPerMillion(), completionTokens - reasoningTokens,
                price.outputMicrosPerMillion(), reasoningTokens, price.reasoningMicrosPerMillion());
        if (small >= 0) {
            return (small + 500_000) / 1_000_000;
        }
        BigInteger scaled = times(promptTokens - cachedPromptTokens, price.inputMicrosPerMillion())
                .add(times(cachedPromptTokens, price.cachedInputMicrosPerMillion()))
                .add(times(completionTokens - reasoningTokens, price.outputMicrosPerMillion()))
                .add(times(reasoningTokens, price.reasoningMicrosPerMillion()));
        return scaled.add(HALF_MILLION).divide(MILLION).longValueExact();
    }

    /** Cost of a call without cached or reasoning tokens reported. */
    public static long micros(long promptTokens, long completionTokens, Price price) {
        return micros(promptTokens, 0, completionTokens, 0, price);
    }

    /**
     * The formula as the usage events carry it: prompt with its cached part, completion, and the three prices
     * the event names (reasoning at the output price). Cached tokens beyond the prompt are capped at it.
     */
    public static long micros(long promptTokens, long cachedPromptTokens, long completionTokens,
                              long inputPrice, long cachedInputPrice, long outputPrice) {
        return micros(promptTokens, Math.min(cachedPromptTokens, Math.max(0, promptTokens)), completionTokens, 0,
                Price.of(inputPrice, cachedInputPrice, outputPrice));
    }

    /**
     * The sum of the four products when it and the rounding addend fit a {@code long}, else -1 (all operands are
     * non-negative, so -1 is never a sum): the exact figure without {@link BigInteger} for every real call.
     */
    private static long scaledWithinLong(long t1, long p1, long t2, long p2, long t3, long p3, long t4, long p4) {
        long sum = plus(plus(product(t1, p1), product(t2, p2)), plus(product(t3, p3), product(t4, p4)));
        return sum > Long.MAX_VALUE - 500_000 ? -1 : sum;
    }

    /** {@code tokens x price} for non-negative operands, or -1 when it does not fit a {@code long}. */
    private static long product(long tokens, long price) {
        long low = tokens * price;
        return Math.multiplyHigh(tokens, price) == 0 && low >= 0 ? low : -1;
    }

    /** The sum of two non-negative figures, or -1 when either is -1 or the sum does not fit a {@code long}. */
    private static long plus(long a, long b) {
        if (a < 0 || b < 0) {
            return -1;
        }
        long sum = a + b;
        return sum < 0 ? -1 : sum;
    }

    private static BigInteger times(long tokens, long price) {
        return BigInteger.valueOf(tokens).multiply(BigInteger.valueOf(price));
    }
}
