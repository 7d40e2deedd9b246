package io.tollgate.policy.price;

import java.math.BigInteger;

/**
 * Money of one call in integer micro-dollars: prices are micro-dollars per million tokens, so
 * cost = round-half-up((uncached prompt x input + cached x cached input + completion x output) / 1e6).
 * Computed exactly in {@link BigInteger}: token counts times prices can exceed a long.
 */
public final class Cost {

    private static final BigInteger MILLION = BigInteger.valueOf(1_000_000);
    private static final BigInteger HALF_MILLION = BigInteger.valueOf(500_000);

    private Cost() {
    }

    public static long micros(long promptTokens, long cachedPromptTokens, long completionTokens,
                              long inputPrice, long cachedInputPrice, long outputPrice) {
        long uncached = Math.max(0, promptTokens - cachedPromptTokens);
        BigInteger scaled = BigInteger.valueOf(uncached).multiply(BigInteger.valueOf(inputPrice))
                .add(BigInteger.valueOf(cachedPromptTokens).multiply(BigInteger.valueOf(cachedInputPrice)))
                .add(BigInteger.valueOf(completionTokens).multiply(BigInteger.valueOf(outputPrice)));
        return scaled.add(HALF_MILLION).divide(MILLION).longValueExact();
    }
}
