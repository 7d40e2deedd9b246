package io.tollgate.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.call.ChatRequest;
import io.tollgate.gateway.call.GatewayError;
import java.io.IOException;
import java.util.Set;

/**
 * Validates request bodies at the boundary: everything the gateway relies on is checked here,
 * and each problem is answered in OpenAI's error shape naming the field, the value and what was
 * expected. Fields the gateway does not use are forwarded untouched for the provider to judge.
 */
public final class OpenAiRequests {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");

    private OpenAiRequests() {
    }

    public static ChatRequest chat(byte[] raw) {
        ObjectNode body = object(raw);
        String model = model(body);
        JsonNode messages = body.get("messages");
        if (messages == null || messages.isNull()) {
            throw GatewayError.invalid("messages", "missing_required_parameter",
                    "Missing required parameter: 'messages'. Send a non-empty array of {role, content} objects.");
        }
        if (!messages.isArray()) {
            throw GatewayError.invalid("messages", "invalid_type",
                    "Invalid type for 'messages': expected an array, but got " + type(messages) + ".");
        }
        if (messages.isEmpty()) {
            throw GatewayError.invalid("messages", "empty_array",
                    "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array.");
        }
        for (int i = 0; i < messages.size(); i++) {
            message(messages.get(i), i);
        }
        boolean stream = bool(body, "stream");
        if (body.has("stream_options") && !body.get("stream_options").isNull() && !body.get("stream_options").isObject()) {
            throw GatewayError.invalid("stream_options", "invalid_type",
                    "Invalid type for 'stream_options': expected an object, but got " + type(body.get("stream_options")) + ".");
        }
        Integer maxTokens = positiveInt(body, "max_completion_tokens");
        if (maxTokens == null) {
            maxTokens = positiveInt(body, "max_tokens");
        }
        JsonNode tools = body.get("tools");
        if (tools != null && !tools.isNull() && !tools.isArray()) {
            throw GatewayError.invalid("tools", "invalid_type",
                    "Invalid type for 'tools': expected an array, but got " + type(tools) + ".");
        }
        return new ChatRequest(model, messages, tools, stream, maxTokens, body, raw);
    }

    public static ChatRequest embeddings(byte[] raw) {
        ObjectNode body = object(raw);
        String model = model(body);
        JsonNode input = body.get("input");
        if (input == null || input.isNull()) {
            throw GatewayError.invalid("input", "missing_required_parameter",
                    "Missing required parameter: 'input'. Send a string or an array of strings.");
        }
        boolean ok = input.isTextual() && !input.textValue().isEmpty()
                || input.isArray() && !input.isEmpty() && allInputs(input);
        if (!ok) {
            throw GatewayError.invalid("input", "invalid_type", "Invalid 'input': expected a non-empty string, an array "
                    + "of strings, or an array of token arrays, but got " + type(input) + ".");
        }
        return new ChatRequest(model, input, null, false, null, body, raw);
    }

    private static boolean allInputs(JsonNode array) {
        for (JsonNode item : array) {
            if (!(item.isTextual() || item.isInt() || item.isArray())) {
                return false;
            }
        }
        return true;
    }

    private static ObjectNode object(byte[] raw) {
        JsonNode root;
        try {
            root = raw.length == 0 ? null : JSON.readTree(raw);
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
                    "The request body must be a JSON object, but got " + type(root) + ".");
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
            throw GatewayError.invalid("model", "invalid_type",
                    "Invalid type for 'model': expected a string, but got " + type(model) + ".");
        }
        if (model.textValue().isBlank()) {
            throw GatewayError.invalid("model", "invalid_value", "Invalid 'model': the model name is empty.");
        }
        return model.textValue();
    }

    private static void message(JsonNode m, int i) {
        String where = "messages[" + i + "]";
        if (!m.isObject()) {
            throw GatewayError.invalid(where, "invalid_type",
                    "Invalid type for '" + where + "': expected an object, but got " + type(m) + ".");
        }
        JsonNode role = m.get("role");
        if (role == null || !role.isTextual()) {
            throw GatewayError.invalid(where + ".role", role == null ? "missing_required_parameter" : "invalid_type",
                    "'" + where + ".role' must be a string, one of " + ROLES + "; got "
                            + (role == null ? "nothing" : type(role)) + ".");
        }
        if (!ROLES.contains(role.textValue())) {
            throw GatewayError.invalid(where + ".role", "invalid_value", "Invalid value for '" + where + ".role': '"
                    + role.textValue() + "'. Supported values are: " + ROLES + ".");
        }
        JsonNode content = m.get("content");
        if (content != null && !(content.isTextual() || content.isArray() || content.isNull())) {
            throw GatewayError.invalid(where + ".content", "invalid_type", "Invalid type for '" + where
                    + ".content': expected a string or an array of content parts, but got " + type(content) + ".");
        }
        if (content == null && !m.has("tool_calls") && !m.has("function_call")) {
            throw GatewayError.invalid(where + ".content", "missing_required_parameter",
                    "Missing required parameter: '" + where + ".content'.");
        }
    }

    private static boolean bool(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw GatewayError.invalid(field, "invalid_type",
                    "Invalid type for '" + field + "': expected a boolean, but got " + type(v) + ".");
        }
        return v.booleanValue();
    }

    private static Integer positiveInt(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw GatewayError.invalid(field, "invalid_type",
                    "Invalid type for '" + field + "': expected an integer, but got " + type(v) + ".");
        }
        if (v.intValue() < 1) {
            throw GatewayError.invalid(field, "invalid_value",
                    "Invalid '" + field + "': " + v.intValue() + " is below the minimum of 1.");
        }
        return v.intValue();
    }

    private static String type(JsonNode v) {
        return switch (v.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> v.isIntegralNumber() ? "an integer" : "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> v.getNodeType().name().toLowerCase();
        };
    }
}
