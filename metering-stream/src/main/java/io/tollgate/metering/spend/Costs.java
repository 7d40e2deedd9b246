package io.tollgate.metering.spend;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The cost per model or per agent of a spend total: an immutable map, equal to any map of the same entries, whose sum
 * with a delta's costs ({@link #plus}) shares this map's names and their hash index when the delta brings no new
 * name, as it almost always does once a scope's models and agents have been seen. Adding a delta is then one lookup
 * per name it carries and one copy of the amounts, rather than a hash map filled, merged into and copied again into an
 * immutable map. Iterates in the order the names were added; the order means nothing.
 */
final class Costs extends AbstractMap<String, Long> {

    static final Costs EMPTY = new Costs(new String[0], null, new long[0]);
    /** Up to this many names a lookup compares them one by one; past it, it probes a hash index. */
    private static final int SCANNED = 8;

    /** Never written once built: maps summed from this one share it. */
    private final String[] names;
    /** Position + 1 of each name in its slot, 0 for an empty slot; null for {@value #SCANNED} names or fewer. */
    private final int[] index;
    private final long[] amounts;

    private Costs(String[] names, int[] index, long[] amounts) {
        this.names = names;
        this.index = index;
        this.amounts = amounts;
    }

    /** {@code map} itself if it is a {@code Costs}, else its entries; throws on a null name or amount, as Map.copyOf does. */
    static Costs copyOf(Map<String, Long> map) {
        if (map instanceof Costs costs) {
            return costs;
        }
        if (map.isEmpty()) {
            return EMPTY;
        }
        String[] names = new String[map.size()];
        long[] amounts = new long[names.length];
        int i = 0;
        for (Map.Entry<String, Long> entry : map.entrySet()) {
            names[i] = Objects.requireNonNull(entry.getKey(), "a cost's name");
            amounts[i] = Objects.requireNonNull(entry.getValue(), "a cost's amount");
            i++;
        }
        return new Costs(names, indexOf(names), amounts);
    }

    /**
     * The costs of {@code names} and {@code amounts} (taken, not copied: the caller must not keep them); throws
     * {@link IllegalArgumentException} naming a name given twice.
     */
    static Costs of(String[] names, long[] amounts) {
        if (names.length == 0) {
            return EMPTY;
        }
        Costs costs = new Costs(names, indexOf(names), amounts);
        for (int i = 0; i < names.length; i++) {
            if (costs.positionOf(Objects.requireNonNull(names[i], "a cost's name")) != i) {
                throw new IllegalArgumentException("costs of " + names.length + " names name '" + names[i]
                        + "' twice; each name is expected once");
            }
        }
        return costs;
    }

    /**
     * These costs with every entry of {@code delta} added, entries that sum to 0 kept; an addition that would overflow
     * throws {@link ArithmeticException} (this map, being immutable, stays as it was).
     */
    Costs plus(Map<String, Long> delta) {
        if (delta.isEmpty()) {
            return this;
        }
        if (delta instanceof Costs costs) {
            return plus(costs.names, costs.amounts);
        }
        String[] names = new String[delta.size()];
        long[] amounts = new long[names.length];
        int i = 0;
        for (Map.Entry<String, Long> entry : delta.entrySet()) {
            names[i] = entry.getKey();
            amounts[i++] = entry.getValue();
        }
        return plus(names, amounts);
    }

    /** {@link #plus(Map)} of distinct {@code added} names and their {@code amounts}. */
    private Costs plus(String[] added, long[] addedAmounts) {
        long[] sums = amounts.clone();
        String[] grown = names;
        int size = names.length;
        // the added names are distinct, so a name not among this map's is added once
        for (int i = 0; i < added.length; i++) {
            String name = added[i];
            long amount = addedAmounts[i];
            int at = positionOf(name);
            if (at >= 0) {
                sums[at] = Math.addExact(sums[at], amount);
            } else {
                if (grown == names) {
                    grown = Arrays.copyOf(names, names.length + added.length);
                    sums = Arrays.copyOf(sums, grown.length);
                }
                grown[size] = name;
                sums[size++] = amount;
            }
        }
        if (grown == names) {
            return new Costs(names, index, sums);
        }
        if (size < grown.length) {
            grown = Arrays.copyOf(grown, size);
            sums = Arrays.copyOf(sums, size);
        }
        return new Costs(grown, indexOf(grown), sums);
    }

    /** The name at {@code position} (0 to size - 1), in the order {@link #entrySet} iterates. */
    String name(int position) {
        return names[position];
    }

    /** The amount of {@link #name(int)}. */
    long amount(int position) {
        return amounts[position];
    }

    @Override
    public int size() {
        return names.length;
    }

    @Override
    public boolean containsKey(Object name) {
        return name instanceof String && positionOf(name) >= 0;
    }

    @Override
    public Long get(Object name) {
        int at = name instanceof String ? positionOf(name) : -1;
        return at < 0 ? null : amounts[at];
    }

    @Override
    public void forEach(BiConsumer<? super String, ? super Long> action) {
        for (int i = 0; i < names.length; i++) {
            action.accept(names[i], amounts[i]);
        }
    }

    @Override
    public Set<Map.Entry<String, Long>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return names.length;
            }

            @Override
            public Iterator<Map.Entry<String, Long>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < names.length;
                    }

                    @Override
                    public Map.Entry<String, Long> next() {
                        if (next >= names.length) {
                            throw new NoSuchElementException("all " + names.length + " costs were iterated");
                        }
                        Map.Entry<String, Long> entry = Map.entry(names[next], amounts[next]);
                        next++;
                        return entry;
                    }
                };
            }
        };
    }

    private int positionOf(Object name) {
        int hash = name.hashCode();
        if (index == null) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].hashCode() == hash && names[i].equals(name)) {
                    return i;
                }
            }
            return -1;
        }
        int mask = index.length - 1;
        for (int slot = slot(hash, mask); ; slot = (slot + 1) & mask) {
            int at = index[slot] - 1;
            if (at < 0 || names[at].equals(name)) {
                return at;
            }
        }
    }

    /** A table at most half full, or null when lookups scan. */
    private static int[] indexOf(String[] names) {
        if (names.length <= SCANNED) {
            return null;
        }
        int[] table = new int[Integer.highestOneBit(names.length) * 4];
        int mask = table.length - 1;
        for (int i = 0; i < names.length; i++) {
            int slot = slot(names[i].hashCode(), mask);
            while (table[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            table[slot] = i + 1;
        }
        return table;
    }

    private static int slot(int hash, int mask) {
        int h = hash * 0x9E3779B9;
        return (h ^ h >>> 16) & mask;
    }
}
