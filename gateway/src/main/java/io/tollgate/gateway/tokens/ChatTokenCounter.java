package io.tollgate.gateway.tokens;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Counts a chat prompt the way OpenAI documents it (cookbook "How to count tokens with
 * tiktoken"): every message costs 3 tokens plus its encoded values (role, content, name), a
 * name 1 more, and the reply is primed with 3. Content parts of type "text" are counted; tools
 * are counted as their JSON text, an approximation OpenAI does not document. Message texts are counted through
 * the tokenizer's memo ({@link Tokenizer#countRepeated}): agents send the same system prompt and earlier turns
 * on every call.
 */
public final class ChatTokenCounter {

    static final int TOKENS_PER_MESSAGE = 3;
    static final int TOKENS_PER_NAME = 1;
    static final int REPLY_PRIMING = 3;

    private ChatTokenCounter() {
    }

    /** {@code messages} is the validated JSON array; {@code tools} may be null or missing. */
    public static int countPrompt(Tokenizer tokenizer, JsonNode messages, JsonNode tools) {
        int total = REPLY_PRIMING;
        for (JsonNode message : messages) {
            total += TOKENS_PER_MESSAGE;
            for (var it = message.fields(); it.hasNext(); ) {
                var field = it.next();
                total += countValue(tokenizer, field.getValue());
                if (field.getKey().equals("name")) {
                    total += TOKENS_PER_NAME;
                }
            }
        }
        if (tools != null && !tools.isMissingNode() && !tools.isNull()) {
            total += tokenizer.count(tools.toString());
        }
        return total;
    }

    private static int countValue(Tokenizer tokenizer, JsonNode value) {
        if (value.isTextual()) {
            return tokenizer.countRepeated(value.textValue());
        }
        if (value.isArray()) {
            int n = 0;
            for (JsonNode part : value) {
                JsonNode text = part.get("text");
                n += text != null && text.isTextual() ? tokenizer.countRepeated(text.textValue()) : 0;
            }
            return n;
        }
        if (value.isNull()) {
            return 0;
        }
        // tool_calls and other structured fields: counted as their JSON text
        return tokenizer.count(value.toString());
    }
}
