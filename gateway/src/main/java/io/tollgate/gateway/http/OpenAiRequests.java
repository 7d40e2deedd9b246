package io.tollgate.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.call.ChatRequest;
import io.tollgate.gateway.call.GatewayError;
import io.tollgate.gateway.json.JsonFactories;
import java.io.IOException;

/**
 * Validates request bodies at the boundary: the JSON itself (an object, nested at most
 * {@value #MAX_NESTING_DEPTH} levels), {@code model}, {@code messages} ({@link MessageRules}) or
 * {@code input}, and every optional parameter OpenAI documents ({@link ParameterRules}), each
 * problem answered in OpenAI's error shape naming the parameter, the value and what was expected.
 * Nothing malformed is forwarded; parameters no rule names pass through untouched.
 */
public final class OpenAiRequests {

    /** Deep enough for nested JSON schemas in tools and response formats; deeper bodies are refused. */
    public static final int MAX_NESTING_DEPTH = 128;
    private static final int MAX_EMBEDDING_INPUTS = 2048;

    /** A field given twice would be read one way here and maybe another way by the provider: refused. */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactories.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());

    private OpenAiRequests() {
    }

    public static ChatRequest chat(byte[] raw) {
        ObjectNode body = object(raw);
        String model = model(body);
        MessageRules.check(Fields.required(body, "messages", "messages"));
        ParameterRules.chat(body);
        boolean stream = body.path("stream").asBoolean(false);
        JsonNode maxTokens = Fields.present(body, "max_completion_tokens");
        if (maxTokens == null) {
            maxTokens = Fields.present(body, "max_tokens");
        }
        return new ChatRequest(model, body.get("messages"), Fields.present(body, "tools"), stream,
                maxTokens == null ? null : maxTokens.intValue(), body, raw);
    }

    public static ChatRequest embeddings(byte[] raw) {
        ObjectNode body = object(raw);
        String model = model(body);
        JsonNode input = Fields.required(body, "input", "input");
        input(input);
        ParameterRules.embeddings(body);
        return new ChatRequest(model, input, null, false, null, body, raw);
    }

    /** A non-empty string, or a non-empty array of non-empty strings, of token ids, or of token-id arrays. */
    private static void input(JsonNode input) {
        String expected = "a non-empty string, an array of strings, an array of token ids, or an array of token-id arrays";
        if (input.isTextual()) {
            if (input.textValue().isEmpty()) {
                throw GatewayError.invalid("input", "invalid_value", "Invalid 'input': the string is empty; expected "
                        + expected + ".");
            }
            return;
        }
        if (!input.isArray()) {
            throw Fields.invalidType("input", expected, input);
        }
        Fields.array(input, "input", 1, MAX_EMBEDDING_INPUTS);
        JsonNode first = input.get(0);
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            String where = "input[" + i + "]";
            if (first.isTextual()) {
                if (Fields.string(item, where).isEmpty()) {
                    throw GatewayError.invalid(where, "invalid_value", "Invalid '" + where + "': the string is empty.");
                }
            } else if (first.isIntegralNumber()) {
                Fields.integer(item, where, 0, Integer.MAX_VALUE);
            } else if (first.isArray()) {
                Fields.array(item, where, 1, Integer.MAX_VALUE);
                for (int j = 0; j < item.size(); j++) {
                    Fields.integer(item.get(j), where + "[" + j + "]", 0, Integer.MAX_VALUE);
                }
            } else {
                throw Fields.invalidType(where, "a string, a token id or an array of token ids", item);
            }
        }
    }

    private static ObjectNode object(byte[] raw) {
        JsonNode root;
        try {
            root = raw.length == 0 ? null : JSON.readTree(raw);
        } catch (StreamConstraintsException e) {
            throw GatewayError.invalid(null, "invalid_json", "The JSON body nests objects and arrays deeper than "
                    + MAX_NESTING_DEPTH + " levels, the most this gateway accepts (" + e.getOriginalMessage() + ").");
        } catch (JsonProcessingException e) {
            throw GatewayError.invalid(null, "invalid_json", "We could not parse the JSON body of your request: "
                    + e.getOriginalMessage() + " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + "). The body must be a JSON object.");
        } catch (IOException e) {
            throw GatewayError.invalid(null, "invalid_json", "We could not read the body of your request: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw GatewayError.invalid(null, "invalid_json",
                    "The request body is empty. Send a JSON object such as {\"model\": ..., \"messages\": [...]}.");
        }
        if (!root.isObject()) {
            throw GatewayError.invalid(null, "invalid_json",
                    "The request body must be a JSON object, but got " + Fields.type(root) + ".");
        }
        return (ObjectNode) root;
    }

    private static String model(ObjectNode body) {
        JsonNode model = body.get("model");
        if (model == null || model.isNull()) {
            throw GatewayError.invalid("model", "missing_required_parameter",
                    "You must provide a model parameter. GET /v1/models lists the models you may use.");
        }
        if (!model.isTextual()) {
            throw Fields.invalidType("model", "a string", model);
        }
        if (model.textValue().isBlank()) {
            throw GatewayError.invalid("model", "invalid_value", "Invalid 'model': the model name is empty.");
        }
        return model.textValue();
    }
}
