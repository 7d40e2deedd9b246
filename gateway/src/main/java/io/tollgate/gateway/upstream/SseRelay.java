package io.tollgate.gateway.upstream;

import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.ToLongFunction;

/**
 * Relays a server-sent-event stream from the provider to the agent event by event, flushing
 * after each, so nothing waits for the whole answer. On the way it reads what metering needs
 * from each {@code data:} line (usage, served model, delta text to count when no usage comes) in one
 * streaming pass ({@link JsonScan}: no tree, only a usage object becomes one) and keeps no text once
 * counted; lines go out as the bytes that came, edited in place where needed. An {@link Adaptation} makes the stream what the agent asked for:
 * the catalog id as {@code model}, the usage-only final chunk only when the agent asked for usage
 * (metering reads it either way), and the call's cost in that chunk's {@code usage}.
 */
public final class SseRelay {

    /** What the relay learned from the stream. */
    public record Outcome(Optional<Usage> usage, String servedModel, StringBuilder completionText,
                          Long firstChunkNanos, boolean sawDone) {
    }

    /**
     * @param model        written as each chunk's {@code model} when the provider names the model otherwise;
     *                     null = as sent
     * @param forwardUsage false drops the chunk that carries only usage ({@code choices: []}): the agent did
     *                     not ask for {@code stream_options.include_usage}
     * @param costMicros   the call's cost from the provider's usage, added to a forwarded usage object as
     *                     {@value #COST_FIELD}; null, or a negative cost, = not added
     */
    public record Adaptation(String model, boolean forwardUsage, ToLongFunction<Usage> costMicros) {
        /** Every byte as the provider sent it. */
        public static final Adaptation NONE = new Adaptation(null, true, null);
    }

    /** The extra field of a forwarded usage object: the call's cost in micro-dollars (SDKs ignore unknown fields). */
    public static final String COST_FIELD = "tollgate_cost_micros";

    private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);

    private SseRelay() {
    }

    /** The agent went away mid-stream (writing to it failed), as opposed to the provider breaking off. */
    public static final class ClientGoneException extends IOException {
        public ClientGoneException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** Thrown when the stream breaks; carries what was relayed until then so it can still be metered. */
    public static final class BrokenStreamException extends IOException {
        private final transient Outcome partial;

        public BrokenStreamException(IOException cause, Outcome partial) {
            super(cause.getMessage(), cause);
            this.partial = partial;
        }

        public Outcome partial() {
            return partial;
        }

        public boolean clientGone() {
            return getCause() instanceof ClientGoneException;
        }
    }

    /** Told what the stream held just before its {@code data: [DONE]} line goes to the agent. */
    @FunctionalInterface
    public interface BeforeDone {
        void beforeDone(Outcome soFar);
    }

    public static Outcome relay(InputStream upstream, OutputStream client, boolean keepText) throws IOException {
        return relay(upstream, client, keepText, Adaptation.NONE, soFar -> { });
    }

    public static Outcome relay(InputStream upstream, OutputStream client, boolean keepText, Adaptation adaptation)
            throws IOException {
        return relay(upstream, client, keepText, adaptation, soFar -> { });
    }

    /**
     * Relays the stream; {@code beforeDone} runs once, when the provider's {@code data: [DONE]} arrives and before
     * it is written to the agent (what the agent reads as the end of a complete answer), with what the stream held.
     */
    public static Outcome relay(InputStream upstream, OutputStream client, boolean keepText, Adaptation adaptation,
                                BeforeDone beforeDone) throws IOException {
        Optional<Usage> usage = Optional.empty();
        String served = null;
        StringBuilder text = new StringBuilder();
        Long first = null;
        boolean done = false;
        boolean dropBlank = false; // the blank line ending a dropped event goes too
        byte[] catalogModel = adaptation.model() == null ? null : JsonSplice.quoted(adaptation.model());
        LineReader lines = new LineReader(upstream);
        try {
            while (lines.next()) {
                byte[] b = lines.bytes;
                int off = lines.start;
                int n = lines.length;
                if (n == 0) {
                    if (!dropBlank) {
                        write(client, b, off, n);
                    }
                    dropBlank = false;
                    flush(client);
                    continue;
                }
                if (!startsWithData(b, off, n)) {
                    write(client, b, off, n);
                    continue;
                }
                if (first == null) {
                    first = System.nanoTime();
                }
                if (isDone(b, off, n)) {
                    if (!done) {
                        beforeDone.beforeDone(new Outcome(usage, served, text, first, false));
                    }
                    write(client, b, off, n);
                    done = true;
                    continue;
                }
                JsonScan chunk = JsonScan.of(b, off + DATA.length, n - DATA.length, served == null,
                        keepText ? text : null);
                if (chunk == null) {
                    write(client, b, off, n); // not ours to judge: the agent receives it as the provider sent it
                    continue;
                }
                if (served == null) {
                    served = chunk.model;
                }
                Optional<Usage> u = chunk.usage();
                if (u.isPresent()) {
                    usage = u;
                }
                if (!writeAdapted(client, b, off, n, chunk, u, adaptation, catalogModel)) {
                    dropBlank = true;
                }
            }
            flush(client);
        } catch (IOException e) {
            throw new BrokenStreamException(e, new Outcome(usage, served, text, first, done));
        }
        return new Outcome(usage, served, text, first, done);
    }

    /**
     * Writes the data line {@code b[off, off + n)} as the agent gets it, edited in its bytes; false when it is dropped.
     * {@code catalogModel} is the adaptation's model as a JSON string, null when the model stays as sent.
     */
    private static boolean writeAdapted(OutputStream client, byte[] b, int off, int n, JsonScan chunk,
                                        Optional<Usage> usage, Adaptation a, byte[] catalogModel) throws IOException {
        boolean usageObject = chunk.usageToken == JsonToken.START_OBJECT;
        boolean usageOnly = chunk.choicesToken == JsonToken.START_ARRAY && chunk.choicesEmpty && usageObject;
        if (usageOnly && !a.forwardUsage()) {
            return false;
        }
        boolean rename = catalogModel != null && chunk.modelToken == JsonToken.VALUE_STRING
                && !chunk.modelWrittenAs(catalogModel);
        if (usage.isPresent() && a.forwardUsage() && a.costMicros() != null && usageObject) {
            // the usage chunk, once per stream: edited in a copy
            byte[] line = Arrays.copyOfRange(b, off, off + n);
            long cost = a.costMicros().applyAsLong(usage.get());
            if (cost >= 0) {
                line = JsonSplice.withLong(line, chunk.usageStart - off, COST_FIELD, cost).orElse(line);
            }
            if (rename) {
                line = JsonSplice.withString(line, DATA.length, "model", a.model()).orElse(line);
            }
            write(client, line, 0, line.length);
            return true;
        }
        if (rename) {
            write(client, b, off, chunk.modelStart - off, catalogModel, b, chunk.modelEnd, off + n - chunk.modelEnd);
        } else {
            write(client, b, off, n);
        }
        return true;
    }

    /** A {@code data:} line whose payload, without surrounding whitespace, is {@code [DONE]}. */
    private static boolean isDone(byte[] line, int off, int n) {
        int from = off + DATA.length;
        int to = off + n;
        while (from < to && (line[from] & 0xff) <= ' ') {
            from++;
        }
        while (to > from && (line[to - 1] & 0xff) <= ' ') {
            to--;
        }
        if (to - from != DONE.length) {
            return false;
        }
        for (int i = 0; i < DONE.length; i++) {
            if (line[from + i] != DONE[i]) {
                return false;
            }
        }
        return true;
    }

    private static void write(OutputStream client, byte[] b, int off, int n) throws ClientGoneException {
        try {
            client.write(b, off, n);
            client.write('\n');
        } catch (IOException e) {
            throw new ClientGoneException(e);
        }
    }

    /** A line written in three pieces: the provider's bytes around a replaced value. */
    private static void write(OutputStream client, byte[] b1, int off1, int n1, byte[] middle, byte[] b2, int off2,
                              int n2) throws ClientGoneException {
        try {
            client.write(b1, off1, n1);
            client.write(middle);
            client.write(b2, off2, n2);
            client.write('\n');
        } catch (IOException e) {
            throw new ClientGoneException(e);
        }
    }

    private static void flush(OutputStream client) throws ClientGoneException {
        try {
            client.flush();
        } catch (IOException e) {
            throw new ClientGoneException(e);
        }
    }

    private static boolean startsWithData(byte[] b, int off, int n) {
        return n >= DATA.length && Arrays.equals(b, off, off + DATA.length, DATA, 0, DATA.length);
    }

    /**
     * Splits a byte stream on '\n' (dropping a preceding '\r') without decoding it. The current line is
     * {@code bytes[start, start + length)}: a view into the read buffer, or into a joining buffer for a line that
     * spans reads, valid until the next {@link #next}.
     */
    private static final class LineReader {
        private final InputStream in;
        private final byte[] buf = new byte[8192];
        private int pos;
        private int len;
        private byte[] joined = new byte[1024];
        byte[] bytes;
        int start;
        int length;

        LineReader(InputStream in) {
            this.in = in;
        }

        /** Moves to the next line; false at the end of the stream. */
        boolean next() throws IOException {
            int joinedLength = -1; // -1: the line has not spanned a read
            while (true) {
                if (pos == len) {
                    len = in.read(buf);
                    pos = 0;
                    if (len <= 0) {
                        len = 0;
                        if (joinedLength <= 0) {
                            return false;
                        }
                        return line(joined, 0, joinedLength); // the last line, without its '\n'
                    }
                }
                int from = pos;
                while (pos < len && buf[pos] != '\n') {
                    pos++;
                }
                if (pos < len) {
                    int end = pos;
                    pos++;
                    if (joinedLength < 0) {
                        return line(buf, from, end > from && buf[end - 1] == '\r' ? end - 1 - from : end - from);
                    }
                    joinedLength = join(joinedLength, from, end);
                    // a '\r' split from its '\n' across reads
                    boolean cr = joinedLength > 0 && joined[joinedLength - 1] == '\r';
                    return line(joined, 0, cr ? joinedLength - 1 : joinedLength);
                }
                joinedLength = join(Math.max(joinedLength, 0), from, pos);
            }
        }

        private boolean line(byte[] b, int from, int n) {
            bytes = b;
            start = from;
            length = n;
            return true;
        }

        private int join(int joinedLength, int from, int to) {
            int n = to - from;
            if (joinedLength + n > joined.length) {
                joined = Arrays.copyOf(joined, Math.max(joined.length * 2, joinedLength + n));
            }
            System.arraycopy(buf, from, joined, joinedLength, n);
            return joinedLength + n;
        }
    }
}
