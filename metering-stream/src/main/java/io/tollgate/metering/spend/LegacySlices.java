package io.tollgate.metering.spend;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads what a version of metering before the commit hook left in its logged store of pending spend slices
 * ({@value #STORE}): slices summed but not yet sent on when it stopped, which the current version drains once per
 * task, in the transaction that sends them on, so an upgrade loses no spend. The key is {@code '#'} then eight
 * length-prefixed fields ({@code <length>:<field>}: tenant, quarter-hour start, team, agent, API key, conversation,
 * sub-agent, model; an absent conversation or sub-agent is empty); the value a format byte, 3, and the sums as
 * big-endian longs in {@link SpendSlice.Sums}'s layout.
 */
public final class LegacySlices {

    /** The store's name, so its changelog is restored into it. */
    public static final String STORE = "metering-spend-pending";
    /** The store of spend keys changed but not yet published, drained the same way. */
    public static final String UNPUBLISHED_STORE = "metering-spend-unpublished";

    private static final byte FORMAT = 3;
    private static final int FIELDS = 8;

    private LegacySlices() {
    }

    /** The slice a stored key names; throws {@link IllegalArgumentException} naming the key when it is none. */
    public static SpendSlice.Key key(String key) {
        if (key.isEmpty() || key.charAt(0) != '#') {
            throw new IllegalArgumentException("'" + key + "' is not a spend slice key; expected one starting with '#'");
        }
        List<String> f = new ArrayList<>(FIELDS);
        int i = 1;
        while (i < key.length()) {
            int colon = key.indexOf(':', i);
            int length = Integer.parseInt(key, i, colon, 10);
            f.add(key.substring(colon + 1, colon + 1 + length));
            i = colon + 1 + length;
        }
        if (f.size() != FIELDS) {
            throw new IllegalArgumentException("spend slice key '" + key + "' has " + f.size() + " fields; expected "
                    + FIELDS + " (tenant, quarter hour, team, agent, API key, conversation, sub-agent, model)");
        }
        return new SpendSlice.Key(f.get(0), Long.parseLong(f.get(1)), f.get(2), f.get(3), f.get(4),
                f.get(5).isEmpty() ? null : f.get(5), f.get(6).isEmpty() ? null : f.get(6), f.get(7));
    }

    /** The sums a stored value holds; throws {@link IllegalArgumentException} when it is not format 3. */
    public static SpendSlice.Sums sums(byte[] value) {
        long[] v = new long[SpendSlice.Sums.LONGS];
        if (value.length != 1 + v.length * 8L || value[0] != FORMAT) {
            throw new IllegalArgumentException("a pending spend slice of " + value.length + " bytes of format "
                    + (value.length == 0 ? "none" : value[0]) + "; expected " + (1 + v.length * 8) + " bytes of format "
                    + FORMAT);
        }
        ByteBuffer in = ByteBuffer.wrap(value, 1, value.length - 1);
        for (int i = 0; i < v.length; i++) {
            v[i] = in.getLong();
        }
        return new SpendSlice.Sums(v);
    }
}
