package io.tollgate.gateway.upstream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.gateway.json.JsonFactories;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;

/**
 * One streaming pass over a provider's answer or stream chunk that finds what the gateway reads from
 * it without building a tree: where the top-level {@code model} and {@code usage} values are, the
 * served model, whether {@code choices} is an empty array, and (for a stream) each choice's
 * {@code delta.content}. It reads the JSON the way a parsed tree would: the last of a repeated field
 * counts, a root that is no object carries none of these, and bytes that are no JSON are refused whole.
 */
final class JsonScan {

    private static final JsonFactory FACTORY = JsonFactories.shared();
    private static final ObjectMapper JSON = new ObjectMapper(FACTORY);

    private final byte[] json;
    /** The first token of the root value; null for no value at all. */
    JsonToken root;
    JsonToken modelToken;
    /** The top-level model as a tree's {@code asText} reads it; null when absent, null, or not asked for. */
    String model;
    int modelStart;
    int modelEnd;
    JsonToken usageToken;
    int usageStart;
    int usageEnd;
    JsonToken choicesToken;
    boolean choicesEmpty;

    private JsonScan(byte[] json) {
        this.json = json;
    }

    /**
     * Scans the value in {@code json[offset, offset + length)}; with {@code modelText}, {@link #model} is read;
     * with {@code deltaText} non-null, each choice's {@code delta.content} is appended to it. Null, and
     * {@code deltaText} as it was, when the bytes are no JSON.
     */
    static JsonScan of(byte[] json, int offset, int length, boolean modelText, StringBuilder deltaText) {
        JsonScan scan = new JsonScan(json);
        int mark = deltaText == null ? 0 : deltaText.length();
        try (JsonParser p = FACTORY.createParser(json, offset, length)) {
            scan.root = p.nextToken();
            if (scan.root != JsonToken.START_OBJECT) {
                p.skipChildren();
                return scan;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "model" -> {
                        scan.modelToken = value;
                        scan.modelStart = offset + (int) p.currentTokenLocation().getByteOffset();
                        scan.model = !modelText || value == JsonToken.VALUE_NULL ? null
                                : value.isScalarValue() ? p.getText() : "";
                        skip(p, value);
                        scan.modelEnd = offset + (int) p.currentLocation().getByteOffset();
                    }
                    case "usage" -> {
                        scan.usageToken = value;
                        scan.usageStart = offset + (int) p.currentTokenLocation().getByteOffset();
                        skip(p, value);
                        scan.usageEnd = offset + (int) p.currentLocation().getByteOffset();
                    }
                    case "choices" -> {
                        scan.choicesToken = value;
                        if (deltaText != null) {
                            deltaText.setLength(mark); // a repeated field: only the last counts
                        }
                        scan.choicesEmpty = choices(p, value, deltaText);
                    }
                    default -> p.skipChildren();
                }
            }
            return scan;
        } catch (IOException e) {
            if (deltaText != null) {
                deltaText.setLength(mark);
            }
            return null;
        }
    }

    /**
     * The top-level {@code usage}, read as {@link Usage#from} reads it: by a streaming pass when every figure is a
     * whole number or null, from a tree (which words what is wrong) when one is not.
     */
    Optional<Usage> usage() {
        if (usageToken != JsonToken.START_OBJECT) {
            return Optional.empty();
        }
        try (JsonParser p = FACTORY.createParser(json, usageStart, usageEnd - usageStart)) {
            p.nextToken();
            boolean hasPrompt = false;
            long prompt = 0;
            long completion = 0;
            long cached = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "prompt_tokens" -> {
                        hasPrompt = true;
                        prompt = figure(p, value);
                    }
                    case "completion_tokens" -> completion = figure(p, value);
                    case "prompt_tokens_details" -> cached = cachedTokens(p, value);
                    default -> p.skipChildren();
                }
            }
            return hasPrompt ? Optional.of(new Usage(prompt, completion, cached)) : Optional.empty();
        } catch (NotAWholeNumber e) {
            return usageFromTree();
        } catch (IOException e) {
            return Optional.empty(); // cannot happen: the scan read these bytes as an object
        }
    }

    private Optional<Usage> usageFromTree() {
        try {
            return Usage.from(JSON.readTree(json, usageStart, usageEnd - usageStart));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** {@code cached_tokens} of {@code prompt_tokens_details}; 0 when it is no object or has none. */
    private static long cachedTokens(JsonParser p, JsonToken value) throws IOException {
        long cached = 0;
        if (value != JsonToken.START_OBJECT) {
            p.skipChildren();
            return 0;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            boolean isCached = "cached_tokens".equals(p.currentName());
            JsonToken v = p.nextToken();
            if (isCached) {
                cached = figure(p, v);
            } else {
                p.skipChildren();
            }
        }
        return cached;
    }

    /** As {@link Usage#from} reads a figure: null is 0, one beyond a long is the bound on its side. */
    private static long figure(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return 0;
        }
        if (value != JsonToken.VALUE_NUMBER_INT) {
            throw NotAWholeNumber.INSTANCE;
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            return p.getBigIntegerValue().signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return p.getLongValue();
    }

    /** A figure that is not a whole number: {@link Usage#from} words the problem from the tree. */
    private static final class NotAWholeNumber extends RuntimeException {
        static final NotAWholeNumber INSTANCE = new NotAWholeNumber();

        private NotAWholeNumber() {
            super("a usage figure is not a whole number", null, false, false);
        }
    }

    /** Whether the top-level model is a string written exactly as {@code quoted} (a JSON string with its quotes). */
    boolean modelWrittenAs(byte[] quoted) {
        return modelToken == JsonToken.VALUE_STRING
                && Arrays.equals(json, modelStart, modelEnd, quoted, 0, quoted.length);
    }

    boolean isObject() {
        return root == JsonToken.START_OBJECT;
    }

    /** Moves past the value whose first token is current, to its last byte. */
    private static void skip(JsonParser p, JsonToken value) throws IOException {
        if (value.isStructStart()) {
            p.skipChildren();
        } else {
            p.finishToken();
        }
    }

    /** Reads {@code choices} (an array, or an object whose values a tree would iterate); true when it has none. */
    private static boolean choices(JsonParser p, JsonToken value, StringBuilder deltaText) throws IOException {
        boolean empty = true;
        if (value == JsonToken.START_ARRAY) {
            JsonToken element;
            while ((element = p.nextToken()) != JsonToken.END_ARRAY) {
                empty = false;
                choice(p, element, deltaText);
            }
        } else if (value == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                empty = false;
                choice(p, p.nextToken(), deltaText);
            }
        }
        return empty;
    }

    /** One choice: its {@code delta.content} when it is a string, the last one when repeated. */
    private static void choice(JsonParser p, JsonToken element, StringBuilder deltaText) throws IOException {
        if (element != JsonToken.START_OBJECT || deltaText == null) {
            p.skipChildren();
            return;
        }
        String content = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            boolean delta = "delta".equals(p.currentName());
            JsonToken value = p.nextToken();
            if (!delta) {
                p.skipChildren();
                continue;
            }
            content = null;
            if (value != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                boolean isContent = "content".equals(p.currentName());
                JsonToken v = p.nextToken();
                if (isContent) {
                    content = v == JsonToken.VALUE_STRING ? p.getText() : null;
                }
                p.skipChildren();
            }
        }
        if (content != null) {
            deltaText.append(content);
        }
    }
}
