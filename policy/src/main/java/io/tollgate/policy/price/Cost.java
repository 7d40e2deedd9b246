package io.tollgate.policy.price;

import java.math.BigInteger;

/**
 * The one price formula, in integer micro-dollars, used by the gateway (reservation and actual cost),
 * metering-stream (plausibility of reported costs), routing (cheapest model) and the CLI:
 * <pre>
 * cost = round-half-up( ( (prompt - cached) x input + cached x cachedInput
 *                        + (completion - reasoning) x output + reasoning x reasoningPrice ) / 10^6 )
 * </pre>
 * with prices in micro-dollars per million tokens. Computed exactly in {@link BigInteger}; a result that does
 * not fit a {@code long} throws {@link ArithmeticException} rather than wrapping.
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

    private static BigInteger times(long tokens, long price) {
        return BigInteger.valueOf(tokens).multiply(BigInteger.valueOf(price));
    }
}
