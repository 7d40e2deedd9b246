package io.tollgate.gateway.catalog;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Price spellings: people write US dollars per million tokens; the gateway keeps integer micro-dollars. */
public final class Prices {

    private static final BigDecimal MICROS_PER_DOLLAR = BigDecimal.valueOf(1_000_000);

    private Prices() {
    }

    /** "2.50" (US dollars per million tokens) -> 2_500_000 micro-dollars per million tokens. */
    public static long dollarsPerMillionToMicros(String dollars) {
        return toMicros(new BigDecimal(dollars.trim()));
    }

    /** OpenRouter's per-token dollar strings, e.g. "0.0000025" -> 2_500_000 micro-dollars per million. */
    public static long dollarsPerTokenToMicrosPerMillion(String dollarsPerToken) {
        return toMicros(new BigDecimal(dollarsPerToken.trim()).multiply(BigDecimal.valueOf(1_000_000)));
    }

    private static long toMicros(BigDecimal dollars) {
        if (dollars.signum() < 0) {
            throw new IllegalArgumentException("a price cannot be negative: " + dollars);
        }
        return dollars.multiply(MICROS_PER_DOLLAR).setScale(0, RoundingMode.HALF_UP).longValueExact();
    }
}
