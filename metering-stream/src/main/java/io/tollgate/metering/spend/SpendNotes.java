package io.tollgate.metering.spend;

import io.tollgate.metering.ingest.MeteredEvent;

/**
 * How the figures of a spend total came about when not by a plain REQUEST and RESPONSE pair, counted alongside
 * them: attempts settled as ABANDONED (and their reserved cost, part of the total), RESPONSEs without a REQUEST,
 * events counted in the current period because theirs was no longer kept, events dated too far ahead and
 * counted at their ingest time. Sums are overflow-checked.
 */
public record SpendNotes(long abandonedCalls, long abandonedMicros, long orphanResponses, long lateReassigned,
                         long clampedEvents) {

    public static final SpendNotes NONE = new SpendNotes(0, 0, 0, 0, 0);
    static final int COUNT = 5;

    public static SpendNotes of(MeteredEvent m) {
        return new SpendNotes(m.abandonedCalls(), m.abandonedMicros(), m.orphanResponses(), m.lateReassigned(),
                m.clampedEvents());
    }

    public SpendNotes plus(SpendNotes o) {
        // most deltas note nothing: no new record for them
        if ((o.abandonedCalls | o.abandonedMicros | o.orphanResponses | o.lateReassigned | o.clampedEvents) == 0) {
            return this;
        }
        return new SpendNotes(Math.addExact(abandonedCalls, o.abandonedCalls),
                Math.addExact(abandonedMicros, o.abandonedMicros), Math.addExact(orphanResponses, o.orphanResponses),
                Math.addExact(lateReassigned, o.lateReassigned), Math.addExact(clampedEvents, o.clampedEvents));
    }

    long[] toArray() {
        return new long[] {abandonedCalls, abandonedMicros, orphanResponses, lateReassigned, clampedEvents};
    }

    static SpendNotes fromArray(long[] v, int from) {
        return new SpendNotes(v[from], v[from + 1], v[from + 2], v[from + 3], v[from + 4]);
    }
}
