package io.tollgate.metering.calls;

import io.tollgate.schemas.avro.UsageEvent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
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
        // most entries hold one attempt; the sort is stable, so the attempts of one number keep the order written
        attempts = attempts.size() < 2 ? List.copyOf(attempts)
                : attempts.stream().sorted(Comparator.comparingInt(Attempt::attempt)).toList();
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

    private static byte[] write(CallRecord v) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 96 * v.attempts.size());
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(FORMAT);
            out.writeUTF(v.callId);
            out.writeUTF(v.apiKeyId);
            out.writeInt(v.attempts.size());
            for (Attempt a : v.attempts) {
                out.writeInt(a.attempt());
                out.writeUTF(a.model());
                out.writeByte(a.status().ordinal());
                out.writeUTF(a.eventId());
                for (long n : new long[] {a.reservedPromptTokens(), a.reservedCompletionTokens(), a.reservedCostMicros(),
                        a.promptTokens(), a.cachedPromptTokens(), a.completionTokens(), a.costMicros()}) {
                    out.writeLong(n);
                }
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static CallRecord read(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte format = in.readByte();
            if (format != FORMAT && format != FORMAT_WITHOUT_EVENT_ID) {
                throw new SerializationException("a call record of format " + format + "; expected "
                        + FORMAT_WITHOUT_EVENT_ID + " or " + FORMAT);
            }
            String callId = in.readUTF();
            String apiKeyId = in.readUTF();
            int n = in.readInt();
            List<Attempt> attempts = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int attempt = in.readInt();
                String model = in.readUTF();
                Status status = Status.values()[in.readByte()];
                String eventId = format == FORMAT ? in.readUTF() : null;
                attempts.add(new Attempt(attempt, model, status, in.readLong(), in.readLong(), in.readLong(),
                        in.readLong(), in.readLong(), in.readLong(), in.readLong(), eventId));
            }
            return new CallRecord(callId, apiKeyId, attempts);
        } catch (IOException e) {
            throw new SerializationException("unreadable call record of " + data.length + " bytes", e);
        }
    }
}
