package io.tollgate.metering.ingest;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * What ingest remembers about one attempt ({@code callId#attempt}) between its REQUEST and its RESPONSE, and for a
 * while after a settlement: the value of {@code metering-pending-reservations}.
 *
 * @param state        where the attempt stands
 * @param periodTime   the instant whose day/month the attempt counts in (its REQUEST's, or reassigned)
 * @param eventTime    the REQUEST's event time after the time rule (OPEN), else the time of what made the marker
 * @param ingestMillis wall-clock time the REQUEST was ingested (OPEN), or the marker was written
 * @param request      OPEN: the REQUEST record's value as it came (Confluent-framed), to settle it as ABANDONED
 *                     by its own figures and scopes; null otherwise
 */
public record Reservation(State state, long periodTime, long eventTime, long ingestMillis, byte[] request) {

    /** Where an attempt stands. */
    public enum State {
        /** REQUEST counted, reservation in flight. */
        OPEN,
        /** Settled as ABANDONED: its RESPONSE, should it come, only corrects cost and tokens. */
        SETTLED,
        /** Its RESPONSE came first and was counted in full: its REQUEST, should it come, adds nothing. */
        RESPONDED
    }

    private static final byte FORMAT = 1;
    private static final int HEADER = 1 + 1 + 3 * 8;

    public static Reservation open(long periodTime, long eventTime, long ingestMillis, byte[] request) {
        return new Reservation(State.OPEN, periodTime, eventTime, ingestMillis, request);
    }

    public static Reservation marker(State state, long periodTime, long eventTime, long ingestMillis) {
        return new Reservation(state, periodTime, eventTime, ingestMillis, null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Reservation r && state == r.state && periodTime == r.periodTime && eventTime == r.eventTime
                && ingestMillis == r.ingestMillis && Arrays.equals(request, r.request);
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(ingestMillis) + Arrays.hashCode(request);
    }

    @Override
    public String toString() {
        return "Reservation[" + state + ", periodTime=" + periodTime + ", eventTime=" + eventTime + ", ingestMillis="
                + ingestMillis + ", request=" + (request == null ? "none" : request.length + " bytes") + "]";
    }

    public static Serde<Reservation> serde() {
        return Serdes.serdeFrom((topic, r) -> {
            if (r == null) {
                return null;
            }
            int body = r.request == null ? 0 : r.request.length;
            ByteBuffer out = ByteBuffer.allocate(HEADER + body).put(FORMAT).put((byte) r.state.ordinal())
                    .putLong(r.periodTime).putLong(r.eventTime).putLong(r.ingestMillis);
            if (r.request != null) {
                out.put(r.request);
            }
            return out.array();
        }, (topic, data) -> {
            if (data == null) {
                return null;
            }
            if (data.length < HEADER || data[0] != FORMAT || data[1] < 0 || data[1] >= State.values().length) {
                throw new SerializationException("a pending reservation of " + data.length + " bytes starting "
                        + (data.length > 0 ? data[0] : "nothing") + "; expected format " + FORMAT + " with "
                        + HEADER + " bytes or more");
            }
            ByteBuffer in = ByteBuffer.wrap(data);
            in.get();
            State state = State.values()[in.get()];
            long periodTime = in.getLong();
            long eventTime = in.getLong();
            long ingest = in.getLong();
            byte[] request = in.remaining() == 0 ? null : Arrays.copyOfRange(data, HEADER, data.length);
            return new Reservation(state, periodTime, eventTime, ingest, request);
        });
    }
}
