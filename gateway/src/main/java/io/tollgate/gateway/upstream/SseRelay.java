package io.tollgate.gateway.upstream;

import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
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
        LineReader lines = new LineReader(upstream);
        byte[] line;
        try {
            while ((line = lines.next()) != null) {
                if (line.length == 0) {
                    if (!dropBlank) {
                        write(client, line);
                    }
                    dropBlank = false;
                    flush(client);
                    continue;
                }
                if (!startsWith(line, DATA)) {
                    write(client, line);
                    continue;
                }
                if (first == null) {
                    first = System.nanoTime();
                }
                if (isDone(line)) {
                    if (!done) {
                        beforeDone.beforeDone(new Outcome(usage, served, text, first, false));
                    }
                    write(client, line);
                    done = true;
                    continue;
                }
                JsonScan chunk = JsonScan.of(line, DATA.length, line.length - DATA.length, keepText ? text : null);
                if (chunk == null) {
                    write(client, line); // not ours to judge: the agent receives it as the provider sent it
                    continue;
                }
                if (served == null) {
                    served = chunk.model;
                }
                Optional<Usage> u = chunk.usage();
                if (u.isPresent()) {
                    usage = u;
                }
                byte[] adapted = adapt(line, chunk, u, adaptation);
                if (adapted == null) {
                    dropBlank = true;
                } else {
                    write(client, adapted);
                }
            }
            flush(client);
        } catch (IOException e) {
            throw new BrokenStreamException(e, new Outcome(usage, served, text, first, done));
        }
        return new Outcome(usage, served, text, first, done);
    }

    /** The data line as the agent gets it, edited in its bytes; null to drop it. */
    private static byte[] adapt(byte[] line, JsonScan chunk, Optional<Usage> usage, Adaptation a) {
        boolean usageObject = chunk.usageToken == JsonToken.START_OBJECT;
        boolean usageOnly = chunk.choicesToken == JsonToken.START_ARRAY && chunk.choicesEmpty && usageObject;
        if (usageOnly && !a.forwardUsage()) {
            return null;
        }
        boolean rename = a.model() != null && chunk.modelToken == JsonToken.VALUE_STRING
                && !chunk.model.equals(a.model());
        byte[] out = line;
        if (usage.isPresent() && a.forwardUsage() && a.costMicros() != null && usageObject) {
            long cost = a.costMicros().applyAsLong(usage.get());
            if (cost >= 0) {
                out = JsonSplice.withLong(line, chunk.usageStart, COST_FIELD, cost).orElse(line);
            }
            if (rename && out != line) {
                // the usage object grew: find the model again in the edited bytes (the final chunk only)
                return JsonSplice.withString(out, DATA.length, "model", a.model()).orElse(out);
            }
        }
        if (rename) {
            return JsonSplice.splice(out, chunk.modelStart, chunk.modelEnd, JsonSplice.quoted(a.model()));
        }
        return out;
    }

    /** A {@code data:} line whose payload, without surrounding whitespace, is {@code [DONE]}. */
    private static boolean isDone(byte[] line) {
        int from = DATA.length;
        int to = line.length;
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

    private static void write(OutputStream client, byte[] line) throws ClientGoneException {
        try {
            client.write(line);
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

    private static boolean startsWith(byte[] line, byte[] prefix) {
        if (line.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (line[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Splits a byte stream on '\n' (dropping a preceding '\r') without decoding it. */
    private static final class LineReader {
        private final InputStream in;
        private final byte[] buf = new byte[8192];
        private int pos;
        private int len;

        LineReader(InputStream in) {
            this.in = in;
        }

        byte[] next() throws IOException {
            java.io.ByteArrayOutputStream line = null;
            while (true) {
                if (pos == len) {
                    len = in.read(buf);
                    pos = 0;
                    if (len <= 0) {
                        len = 0;
                        return line == null || line.size() == 0 ? null : line.toByteArray();
                    }
                }
                int start = pos;
                while (pos < len && buf[pos] != '\n') {
                    pos++;
                }
                if (pos < len) {
                    int end = pos > start && buf[pos - 1] == '\r' ? pos - 1 : pos;
                    pos++;
                    if (line == null) {
                        byte[] out = new byte[end - start];
                        System.arraycopy(buf, start, out, 0, out.length);
                        return out;
                    }
                    line.write(buf, start, end - start);
                    byte[] out = line.toByteArray();
                    // a '\r' split from its '\n' across reads
                    return out.length > 0 && out[out.length - 1] == '\r' ? java.util.Arrays.copyOf(out, out.length - 1) : out;
                }
                if (line == null) {
                    line = new java.io.ByteArrayOutputStream();
                }
                line.write(buf, start, pos - start);
            }
        }
    }
}
