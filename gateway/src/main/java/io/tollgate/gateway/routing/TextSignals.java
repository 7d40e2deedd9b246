package io.tollgate.gateway.routing;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * How often each {@link TextSignal} occurs in a request's user messages; immutable. Counts given {@link #lazily}
 * are computed when first read (at most once per thread that races to read them first; the result is the same).
 */
public final class TextSignals {

    private static final TextSignal[] SIGNALS = TextSignal.values();

    /** A request whose text shows no signal (no user text, or an embeddings call). */
    public static final TextSignals NONE = new TextSignals(new int[SIGNALS.length]);

    private volatile int[] counts;
    private final Supplier<int[]> source;

    private TextSignals(int[] counts) {
        this.counts = counts;
        this.source = null;
    }

    private TextSignals(Supplier<int[]> source) {
        this.source = source;
    }

    /** Counts computed by {@code source} (as {@link #of(int[])} checks them) when first read. */
    public static TextSignals lazily(Supplier<int[]> source) {
        return new TextSignals(Objects.requireNonNull(source, "source"));
    }

    private int[] counts() {
        int[] known = counts;
        if (known == null) {
            known = of(source.get()).counts;
            counts = known;
        }
        return known;
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
        return counts()[signal.ordinal()];
    }

    public Map<TextSignal, Integer> asMap() {
        Map<TextSignal, Integer> map = new EnumMap<>(TextSignal.class);
        int[] counts = counts();
        for (TextSignal s : SIGNALS) {
            if (counts[s.ordinal()] != 0) {
                map.put(s, counts[s.ordinal()]);
            }
        }
        return map;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TextSignals other && Arrays.equals(counts(), other.counts());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(counts());
    }

    @Override
    public String toString() {
        return asMap().toString();
    }
}
