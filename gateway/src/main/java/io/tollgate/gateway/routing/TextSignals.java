package io.tollgate.gateway.routing;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/** How often each {@link TextSignal} occurs in a request's user messages; immutable. */
public final class TextSignals {

    private static final TextSignal[] SIGNALS = TextSignal.values();

    /** A request whose text shows no signal (no user text, or an embeddings call). */
    public static final TextSignals NONE = new TextSignals(new int[SIGNALS.length]);

    private final int[] counts;

    private TextSignals(int[] counts) {
        this.counts = counts;
    }

    /** Counts indexed by {@link TextSignal#ordinal()}; the array is copied. */
    public static TextSignals of(int[] counts) {
        if (counts.length != SIGNALS.length) {
            throw new IllegalArgumentException("expected " + SIGNALS.length + " signal counts (one per TextSignal), got "
                    + counts.length);
        }
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] < 0) {
                throw new IllegalArgumentException("signal " + SIGNALS[i] + " has count " + counts[i] + "; expected >= 0");
            }
        }
        return new TextSignals(counts.clone());
    }

    /** The given counts, every other signal 0. */
    public static TextSignals of(Map<TextSignal, Integer> counts) {
        int[] all = new int[SIGNALS.length];
        counts.forEach((signal, n) -> all[signal.ordinal()] = n);
        return of(all);
    }

    public int count(TextSignal signal) {
        return counts[signal.ordinal()];
    }

    public Map<TextSignal, Integer> asMap() {
        Map<TextSignal, Integer> map = new EnumMap<>(TextSignal.class);
        for (TextSignal s : SIGNALS) {
            if (counts[s.ordinal()] != 0) {
                map.put(s, counts[s.ordinal()]);
            }
        }
        return map;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TextSignals other && Arrays.equals(counts, other.counts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return asMap().toString();
    }
}
