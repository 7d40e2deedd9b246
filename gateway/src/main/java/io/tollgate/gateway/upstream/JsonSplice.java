package io.tollgate.gateway.upstream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.tollgate.gateway.json.JsonFactories;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Edits a top-level field of a JSON object in place in its bytes, leaving every other byte as it
 * came: numbers, spacing and fields the gateway does not know are relayed exactly as the agent or
 * the provider wrote them, where re-serializing a parsed tree would rewrite {@code 1e2} as
 * {@code 100.0}. The field's position comes from a streaming parse that skips nested values.
 */
public final class JsonSplice {

    private static final JsonFactory FACTORY = JsonFactories.shared();
    private static final byte[] INCLUDE_USAGE = "\"include_usage\":true".getBytes(StandardCharsets.US_ASCII);

    private JsonSplice() {
    }

    /** A value's bytes, {@code [start, end)} in the whole array, and its first token. */
    private record Span(int start, int end, JsonToken token) {
    }

    /** The wanted top-level fields of an object, the offset of its closing brace, and how many fields it has. */
    private record Scan(Map<String, Span> fields, int closingBrace, int fieldCount) {
    }

    /**
     * {@code json} with the top-level string field {@code field} of the object starting at
     * {@code offset} set to {@code value}; empty when there is no such string field or the bytes
     * are no JSON object.
     */
    public static Optional<byte[]> withString(byte[] json, int offset, String field, String value) {
        Scan scan = scan(json, offset, json.length - offset, Set.of(field));
        if (scan == null) {
            return Optional.empty();
        }
        Span span = scan.fields().get(field);
        if (span == null || span.token() != JsonToken.VALUE_STRING) {
            return Optional.empty();
        }
        return Optional.of(splice(json, span.start(), span.end(), quoted(value)));
    }

    /**
     * {@code json} with the top-level field {@code field} of the object starting at {@code offset} set to the
     * number {@code value}: replaced where it is, added at the end where it is not; empty when the bytes there
     * are no JSON object.
     */
    public static Optional<byte[]> withLong(byte[] json, int offset, String field, long value) {
        Scan scan = scan(json, offset, json.length - offset, Set.of(field));
        if (scan == null) {
            return Optional.empty();
        }
        Span span = scan.fields().get(field);
        if (span != null) {
            return Optional.of(splice(json, span.start(), span.end(), Long.toString(value).getBytes(StandardCharsets.US_ASCII)));
        }
        byte[] insert = ((scan.fieldCount() > 0 ? "," : "") + new String(quoted(field), StandardCharsets.UTF_8) + ":" + value)
                .getBytes(StandardCharsets.UTF_8);
        return Optional.of(splice(json, scan.closingBrace(), scan.closingBrace(), insert));
    }

    /**
     * The request body with {@code stream_options.include_usage: true}, whatever the agent sent
     * there (absent, null, an object without it, or false): metering needs the provider's usage.
     * Empty when the bytes are no JSON object or {@code stream_options} is neither an object nor null.
     */
    public static Optional<byte[]> withIncludeUsage(byte[] json) {
        Scan top = scan(json, 0, json.length, Set.of("stream_options"));
        if (top == null) {
            return Optional.empty();
        }
        Span options = top.fields().get("stream_options");
        if (options == null) {
            byte[] insert = ((top.fieldCount() > 0 ? "," : "") + "\"stream_options\":{\"include_usage\":true}")
                    .getBytes(StandardCharsets.US_ASCII);
            return Optional.of(splice(json, top.closingBrace(), top.closingBrace(), insert));
        }
        if (options.token() == JsonToken.VALUE_NULL) {
            return Optional.of(splice(json, options.start(), options.end(),
                    "{\"include_usage\":true}".getBytes(StandardCharsets.US_ASCII)));
        }
        if (options.token() != JsonToken.START_OBJECT) {
            return Optional.empty();
        }
        Scan inner = scan(json, options.start(), options.end() - options.start(), Set.of("include_usage"));
        if (inner == null) {
            return Optional.empty();
        }
        Span include = inner.fields().get("include_usage");
        if (include != null) {
            return Optional.of(splice(json, include.start(), include.end(), "true".getBytes(StandardCharsets.US_ASCII)));
        }
        byte[] insert = inner.fieldCount() == 0 ? INCLUDE_USAGE
                : (new String(INCLUDE_USAGE, StandardCharsets.US_ASCII) + ",").getBytes(StandardCharsets.US_ASCII);
        return Optional.of(splice(json, options.start() + 1, options.start() + 1, insert));
    }

    private static Scan scan(byte[] json, int offset, int length, Set<String> wanted) {
        try (JsonParser p = FACTORY.createParser(json, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            Map<String, Span> found = new HashMap<>();
            int count = 0;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                int start = offset + (int) p.currentTokenLocation().getByteOffset();
                if (value.isStructStart()) {
                    p.skipChildren();
                } else {
                    p.finishToken();
                }
                int end = offset + (int) p.currentLocation().getByteOffset();
                count++;
                if (wanted.contains(name)) {
                    found.put(name, new Span(start, end, value));
                }
            }
            if (t != JsonToken.END_OBJECT) {
                return null;
            }
            return new Scan(found, offset + (int) p.currentTokenLocation().getByteOffset(), count);
        } catch (IOException e) {
            return null;
        }
    }

    static byte[] quoted(String value) {
        byte[] escaped = JsonStringEncoder.getInstance().quoteAsUTF8(value);
        byte[] out = new byte[escaped.length + 2];
        out[0] = '"';
        System.arraycopy(escaped, 0, out, 1, escaped.length);
        out[out.length - 1] = '"';
        return out;
    }

    static byte[] splice(byte[] json, int start, int end, byte[] replacement) {
        byte[] out = new byte[json.length - (end - start) + replacement.length];
        System.arraycopy(json, 0, out, 0, start);
        System.arraycopy(replacement, 0, out, start, replacement.length);
        System.arraycopy(json, end, out, start + replacement.length, json.length - end);
        return out;
    }
}
