package io.tollgate.metering.calls;

import io.tollgate.schemas.avro.UsageEvent;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.RandomAccess;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * One call as metering counted it: its attempts, each with the figures that count for it now (the reservation
 * while it is open or after it was settled as ABANDONED, the actual figures once its RESPONSE came). The value of
 * {@code metering-calls}; what {@code GET /v1/keys/{apiKeyId}/calls/{callId}} answers.
 */
public record CallRecord(String callId, String apiKeyId, List<Attempt> attempts) {

    /** How an attempt stands. */
    public enum Status {
        /** REQUEST counted, RESPONSE not yet: in flight at its reservation. */
        ADMITTED,
        /** Settled without a RESPONSE: counted at its reservation, no longer in flight. */
        ABANDONED,
        SUCCESS,
        ERROR,
        CANCELLED
    }

    /**
     * One attempt: the reserved figures and, once answered, the actual ones; {@code eventId} names the usage event
     * that left the attempt so (ingest recognises a repeated event by it).
     */
    public record Attempt(int attempt, String model, Status status, long reservedPromptTokens,
                          long reservedCompletionTokens, long reservedCostMicros, long promptTokens,
                          long cachedPromptTokens, long completionTokens, long costMicros, String eventId) {

        boolean answered() {
            return status != Status.ADMITTED && status != Status.ABANDONED;
        }

        public long countedPromptTokens() {
            return answered() ? promptTokens : reservedPromptTokens;
        }

        public long countedCachedPromptTokens() {
            return answered() ? cachedPromptTokens : 0;
        }

        public long countedCompletionTokens() {
            return answered() ? completionTokens : reservedCompletionTokens;
        }

        public long countedCostMicros() {
            return answered() ? costMicros : reservedCostMicros;
        }

        static Attempt reserved(UsageEvent e, Status status) {
            return new Attempt(e.getAttempt(), e.getModel(), status, e.getReservedPromptTokens(),
                    e.getReservedCompletionTokens(), e.getReservedCostMicros(), 0, 0, 0, 0, e.getEventId());
        }

        static Attempt answered(UsageEvent e) {
            Status status = switch (e.getStatus()) {
                case ERROR -> Status.ERROR;
                case CANCELLED -> Status.CANCELLED;
                // ADMITTED is the schema default: a RESPONSE that reports no error was answered
                case SUCCESS, ADMITTED -> Status.SUCCESS;
            };
            return new Attempt(e.getAttempt(), e.getModel(), status, e.getReservedPromptTokens(),
                    e.getReservedCompletionTokens(), e.getReservedCostMicros(), e.getPromptTokens(),
                    e.getCachedPromptTokens(), e.getCompletionTokens(), e.getCostMicros(), e.getEventId());
        }
    }

    public CallRecord {
        // the log's entries come written and in order (Written: immutable, nothing to check or copy); the sort is
        // stable, so the attempts of one number keep the order written
        if (!(attempts instanceof Written)) {
            attempts = inOrder(attempts) ? List.copyOf(attempts)
                    : attempts.stream().sorted(Comparator.comparingInt(Attempt::attempt)).toList();
        }
    }

    private static boolean inOrder(List<Attempt> attempts) {
        for (int i = 1; i < attempts.size(); i++) {
            if (attempts.get(i - 1).attempt() > attempts.get(i).attempt()) {
                return false;
            }
        }
        return true;
    }

    /** This call with {@code attempt} added, or replacing the attempt of the same number. */
    public CallRecord with(Attempt attempt) {
        List<Attempt> next = new ArrayList<>(attempts.size() + 1);
        for (Attempt a : attempts) {
            if (a.attempt() != attempt.attempt()) {
                next.add(a);
            }
        }
        next.add(attempt);
        return new CallRecord(callId, apiKeyId, next);
    }

    public Attempt attempt(int number) {
        return attempts.stream().filter(a -> a.attempt() == number).findFirst().orElse(null);
    }

    /** What the call counts for now, micro-dollars. */
    public long costMicros() {
        long sum = 0;
        for (Attempt a : attempts) {
            sum = Math.addExact(sum, a.countedCostMicros());
        }
        return sum;
    }

    public long reservedCostMicros() {
        long sum = 0;
        for (Attempt a : attempts) {
            sum = Math.addExact(sum, a.reservedCostMicros());
        }
        return sum;
    }

    /** True while an attempt waits for its RESPONSE. */
    public boolean inFlight() {
        return attempts.stream().anyMatch(a -> a.status() == Status.ADMITTED);
    }

    private static final byte FORMAT = 2;
    /** Entries written before they named their event: still read, as naming none (they recognise no repeat). */
    private static final byte FORMAT_WITHOUT_EVENT_ID = 1;

    public static Serde<CallRecord> serde() {
        return Serdes.serdeFrom((topic, v) -> v == null ? null : write(v), (topic, data) -> data == null ? null : read(data));
    }

    /** Big-endian ints and longs, as {@link java.io.DataOutput} writes them, straight into a byte array. */
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final Status[] STATUSES = Status.values();

    /**
     * The bytes {@link java.io.DataOutputStream} would write (format byte, {@code writeUTF} strings, big-endian
     * numbers), sized first and written into one array; an entry of the log comes already written ({@link Writer}).
     */
    private static byte[] write(CallRecord v) {
        if (v.attempts instanceof Written written) {
            return written.value;
        }
        int size = 1 + 2 + utfLength(v.callId) + 2 + utfLength(v.apiKeyId) + 4;
        for (Attempt a : v.attempts) {
            size += size(a);
        }
        byte[] out = new byte[size];
        out[0] = FORMAT;
        int at = putUtf(out, 1, v.callId);
        at = putUtf(out, at, v.apiKeyId);
        INT.set(out, at, v.attempts.size());
        at += 4;
        for (int i = 0; i < v.attempts.size(); i++) {
            at = putAttempt(out, at, v.attempts.get(i));
        }
        return out;
    }

    private static int putLong(byte[] out, int at, long n) {
        LONG.set(out, at, n);
        return at + Long.BYTES;
    }

    /**
     * Bytes of {@code s} in modified UTF-8 ({@code DataOutput.writeUTF}): U+0001 to U+007F take one byte, U+0000 and
     * up to U+07FF two, other chars (each half of a surrogate pair too) three.
     */
    static int utfLength(String s) {
        int n = s.length();
        int length = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == 0 || c > 0x7F) {
                length += c > 0x7FF ? 2 : 1;
            }
        }
        if (length > 0xFFFF) {
            throw new UncheckedIOException(new UTFDataFormatException("a call record string of " + n + " chars takes "
                    + length + " bytes in modified UTF-8; at most 65535 fit (ids are at most 1,024 chars)"));
        }
        return length;
    }

    /**
     * Writes the modified UTF-8 bytes of {@code s} after their 2-byte length, which {@link #utfLength} checked when
     * the record was sized; returns the position after them.
     */
    private static int putUtf(byte[] out, int lengthAt, String s) {
        int at = lengthAt + 2;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c != 0 && c <= 0x7F) {
                out[at++] = (byte) c;
            } else if (c <= 0x7FF) {
                out[at++] = (byte) (0xC0 | c >> 6);
                out[at++] = (byte) (0x80 | c & 0x3F);
            } else {
                out[at++] = (byte) (0xE0 | c >> 12);
                out[at++] = (byte) (0x80 | c >> 6 & 0x3F);
                out[at++] = (byte) (0x80 | c & 0x3F);
            }
        }
        int length = at - lengthAt - 2;
        out[lengthAt] = (byte) (length >>> 8);
        out[lengthAt + 1] = (byte) length;
        return at;
    }

    /** Bytes of an attempt as {@link #write} writes it. */
    private static int size(Attempt a) {
        return 4 + 2 + utfLength(a.model()) + 1 + 2 + utfLength(a.eventId()) + 7 * Long.BYTES;
    }

    private static int putAttempt(byte[] out, int at, Attempt a) {
        INT.set(out, at, a.attempt());
        at = putUtf(out, at + 4, a.model());
        out[at++] = (byte) a.status().ordinal();
        at = putUtf(out, at, a.eventId());
        at = putLong(out, at, a.reservedPromptTokens());
        at = putLong(out, at, a.reservedCompletionTokens());
        at = putLong(out, at, a.reservedCostMicros());
        at = putLong(out, at, a.promptTokens());
        at = putLong(out, at, a.cachedPromptTokens());
        at = putLong(out, at, a.completionTokens());
        return putLong(out, at, a.costMicros());
    }

    /**
     * Writes one call's entry as its attempts are added, into an array sized exactly: each attempt is written when
     * its event is processed, its strings still in cache, so the commit hands the store the finished bytes instead
     * of building a record and walking its attempts' objects (cold by then) to serialize them. The bytes are those
     * {@link #write} writes for the record of the same attempts. Used once: {@link #record} ends it.
     */
    static final class Writer {
        private final String callId;
        private final String apiKeyId;
        private final int countAt;
        private byte[] out;
        private int count;
        private int lastAttempt = Integer.MIN_VALUE;
        /** Whether the attempts came in order of their numbers, as they nearly always do. */
        private boolean inOrder = true;

        Writer(String callId, String apiKeyId, Attempt first) {
            this.callId = callId;
            this.apiKeyId = apiKeyId;
            int header = 1 + 2 + utfLength(callId) + 2 + utfLength(apiKeyId) + 4;
            this.out = new byte[header + size(first)];
            out[0] = FORMAT;
            this.countAt = putUtf(out, putUtf(out, 1, callId), apiKeyId);
            append(header, first);
        }

        /** Appends {@code a}, growing the array to the exact size: one attempt per commit is the common entry. */
        void add(Attempt a) {
            int at = out.length;
            out = Arrays.copyOf(out, at + size(a));
            append(at, a);
        }

        private void append(int at, Attempt a) {
            putAttempt(out, at, a);
            count++;
            inOrder &= a.attempt() >= lastAttempt;
            lastAttempt = a.attempt();
        }

        /** The call with the attempts added, in order of their numbers (stably), as {@link #write} would write it. */
        CallRecord record() {
            INT.set(out, countAt, count);
            Written attempts = new Written(out, count);
            out = null;
            // out of order (rare): the constructor sorts a plain copy, which is written the ordinary way
            return new CallRecord(callId, apiKeyId, inOrder ? attempts : new ArrayList<>(attempts));
        }
    }

    /**
     * The attempts of an entry {@link Writer} wrote, in order, with the entry's bytes, which {@link #write} returns
     * as they are (nothing changes them). Read as a list only outside the commit path (tests, logs): decoded then.
     */
    private static final class Written extends AbstractList<Attempt> implements RandomAccess {
        private final byte[] value;
        private final int count;
        private List<Attempt> decoded;

        Written(byte[] value, int count) {
            this.value = value;
            this.count = count;
        }

        @Override
        public Attempt get(int index) {
            if (decoded == null) {
                decoded = read(value).attempts();
            }
            return decoded.get(index);
        }

        @Override
        public int size() {
            return count;
        }
    }

    private static CallRecord read(byte[] data) {
        try {
            Reader in = new Reader(data);
            byte format = in.readByte();
            if (format != FORMAT && format != FORMAT_WITHOUT_EVENT_ID) {
                throw new SerializationException("a call record of format " + format + "; expected "
                        + FORMAT_WITHOUT_EVENT_ID + " or " + FORMAT);
            }
            String callId = in.readUtf();
            String apiKeyId = in.readUtf();
            int n = in.readInt();
            List<Attempt> attempts = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int attempt = in.readInt();
                String model = in.readUtf();
                Status status = STATUSES[in.readByte()];
                String eventId = format == FORMAT ? in.readUtf() : null;
                attempts.add(new Attempt(attempt, model, status, in.readLong(), in.readLong(), in.readLong(),
                        in.readLong(), in.readLong(), in.readLong(), in.readLong(), eventId));
            }
            return new CallRecord(callId, apiKeyId, attempts);
        } catch (IOException | IndexOutOfBoundsException e) {
            throw new SerializationException("unreadable call record of " + data.length + " bytes", e);
        }
    }

    /**
     * Reads what {@link #write} wrote, as {@link java.io.DataInputStream} would, from the array itself; reading past
     * its end throws {@link IndexOutOfBoundsException}.
     */
    private static final class Reader {
        private final byte[] data;
        private int at;

        Reader(byte[] data) {
            this.data = data;
        }

        byte readByte() {
            return data[at++];
        }

        int readInt() {
            int n = (int) INT.get(data, at);
            at += Integer.BYTES;
            return n;
        }

        long readLong() {
            long n = (long) LONG.get(data, at);
            at += Long.BYTES;
            return n;
        }

        /** A {@code writeUTF} string: ASCII (U+0001 to U+007F) as is, anything else through DataInputStream. */
        String readUtf() throws IOException {
            int length = (data[at] & 0xFF) << 8 | data[at + 1] & 0xFF;
            for (int i = at + 2; i < at + 2 + length; i++) {
                if (data[i] <= 0) {
                    String s = new DataInputStream(new ByteArrayInputStream(data, at, 2 + length)).readUTF();
                    at += 2 + length;
                    return s;
                }
            }
            String s = new String(data, at + 2, length, StandardCharsets.ISO_8859_1);
            at += 2 + length;
            return s;
        }
    }
}
