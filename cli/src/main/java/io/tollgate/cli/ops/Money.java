package io.tollgate.cli.ops;

import java.math.BigDecimal;

/** Micro-dollars for people: exact, never through floating point. */
public final class Money {

    private Money() {
    }

    /** {@code 1234567} -> {@code "$1.234567"}. */
    public static String usd(long micros) {
        return (micros < 0 ? "-$" : "$") + BigDecimal.valueOf(Math.abs(micros), 6).toPlainString();
    }
}
