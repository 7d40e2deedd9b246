package io.tollgate.gateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Relays a server-sent-event stream from the provider to the agent event by event, flushing
 * after each, so nothing waits for the whole answer. On the way it reads what metering needs
 * from each {@code data:} line (usage, served model, delta text to count when no usage comes) and
 * keeps no text once counted.
 */
public final class SseRelay {

    /** What the relay learned from the stream. */
    public record Outcome(Optional<Usage> usage, String servedModel, StringBuilder completionText,
                          Long firstChunkNanos, boolean sawDone) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);

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

    public static Outcome relay(InputStream upstream, OutputStream client, boolean keepText) throws IOException {
        Optional<Usage> usage = Optional.empty();
        String served = null;
        StringBuilder text = new StringBuilder();
        Long first = null;
        boolean done = false;
        LineReader lines = new LineReader(upstream);
        byte[] line;
        try {
            while ((line = lines.next()) != null) {
                write(client, line);
                if (line.length == 0) {
                    flush(client);
                    continue;
                }
                if (!startsWith(line, DATA)) {
                    continue;
                }
                if (first == null) {
                    first = System.nanoTime();
                }
                String payload = new String(line, DATA.length, line.length - DATA.length, StandardCharsets.UTF_8).trim();
                if (payload.equals("[DONE]")) {
                    done = true;
                    continue;
                }
                JsonNode chunk;
                try {
                    chunk = JSON.readTree(payload);
                } catch (IOException e) {
                    continue; // not ours to judge: the agent receives it as the provider sent it
                }
                if (served == null && chunk.hasNonNull("model")) {
                    served = chunk.get("model").asText();
                }
                Optional<Usage> u = Usage.from(chunk.get("usage"));
                if (u.isPresent()) {
                    usage = u;
                }
                if (keepText) {
                    for (JsonNode choice : chunk.path("choices")) {
                        JsonNode content = choice.path("delta").path("content");
                        if (content.isTextual()) {
                            text.append(content.textValue());
                        }
                    }
                }
            }
            flush(client);
        } catch (IOException e) {
            throw new BrokenStreamException(e, new Outcome(usage, served, text, first, done));
        }
        return new Outcome(usage, served, text, first, done);
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
