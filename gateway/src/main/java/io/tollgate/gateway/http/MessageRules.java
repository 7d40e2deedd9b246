package io.tollgate.gateway.http;

import static io.tollgate.gateway.http.Fields.array;
import static io.tollgate.gateway.http.Fields.object;
import static io.tollgate.gateway.http.Fields.oneOf;
import static io.tollgate.gateway.http.Fields.present;
import static io.tollgate.gateway.http.Fields.required;
import static io.tollgate.gateway.http.Fields.string;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.gateway.call.GatewayError;
import java.util.List;

/**
 * The {@code messages} of a chat request as OpenAI's API reference defines them: one shape per
 * role ({@code system}, {@code developer}, {@code user}, {@code assistant}, {@code tool},
 * {@code function}), content as a string or typed parts ({@code text}, {@code image_url},
 * {@code input_audio}, {@code file}; {@code refusal} for the assistant). Fields no role defines
 * (e.g. a provider's {@code cache_control}) are left for the provider.
 */
final class MessageRules {

    static final List<String> ROLES = List.of("system", "developer", "user", "assistant", "tool", "function");
    private static final List<String> TEXT = List.of("text");
    private static final List<String> USER_PARTS = List.of("text", "image_url", "input_audio", "file");
    private static final List<String> ASSISTANT_PARTS = List.of("text", "refusal");
    private static final int MAX_MESSAGES = 1_000_000;

    private MessageRules() {
    }

    static void check(JsonNode messages) {
        array(messages, "messages", 1, MAX_MESSAGES);
        for (int i = 0; i < messages.size(); i++) {
            message(messages.get(i), "messages[" + i + "]");
        }
    }

    private static void message(JsonNode m, String path) {
        object(m, path);
        String role = oneOf(required(m, "role", path + ".role"), path + ".role", ROLES);
        JsonNode name = present(m, "name");
        if (name != null) {
            string(name, path + ".name");
        }
        switch (role) {
            case "system", "developer" -> content(required(m, "content", path + ".content"), path + ".content", TEXT);
            case "user" -> content(required(m, "content", path + ".content"), path + ".content", USER_PARTS);
            case "tool" -> {
                content(required(m, "content", path + ".content"), path + ".content", TEXT);
                string(required(m, "tool_call_id", path + ".tool_call_id"), path + ".tool_call_id");
            }
            case "function" -> {
                if (!m.has("content")) {
                    throw GatewayError.invalid(path + ".content", "missing_required_parameter",
                            "Missing required parameter: '" + path + ".content'.");
                }
                JsonNode content = present(m, "content");
                if (content != null) {
                    string(content, path + ".content");
                }
                string(required(m, "name", path + ".name"), path + ".name");
            }
            default -> assistant(m, path);
        }
    }

    private static void assistant(JsonNode m, String path) {
        JsonNode content = present(m, "content");
        JsonNode toolCalls = present(m, "tool_calls");
        JsonNode functionCall = present(m, "function_call");
        if (content == null && toolCalls == null && functionCall == null) {
            throw GatewayError.invalid(path + ".content", "missing_required_parameter", "Missing required parameter: '"
                    + path + ".content' (an assistant message needs content unless it has tool_calls or function_call).");
        }
        if (content != null) {
            content(content, path + ".content", ASSISTANT_PARTS);
        }
        JsonNode refusal = present(m, "refusal");
        if (refusal != null) {
            string(refusal, path + ".refusal");
        }
        if (toolCalls != null) {
            array(toolCalls, path + ".tool_calls", 0, Integer.MAX_VALUE);
            for (int i = 0; i < toolCalls.size(); i++) {
                toolCall(toolCalls.get(i), path + ".tool_calls[" + i + "]");
            }
        }
        if (functionCall != null) {
            String where = path + ".function_call";
            object(functionCall, where);
            string(required(functionCall, "name", where + ".name"), where + ".name");
            string(required(functionCall, "arguments", where + ".arguments"), where + ".arguments");
        }
        JsonNode audio = present(m, "audio");
        if (audio != null) {
            object(audio, path + ".audio");
            string(required(audio, "id", path + ".audio.id"), path + ".audio.id");
        }
    }

    private static void toolCall(JsonNode call, String path) {
        object(call, path);
        string(required(call, "id", path + ".id"), path + ".id");
        String type = oneOf(required(call, "type", path + ".type"), path + ".type", List.of("function", "custom"));
        String body = type.equals("function") ? "function" : "custom";
        JsonNode fn = object(required(call, body, path + "." + body), path + "." + body);
        string(required(fn, "name", path + "." + body + ".name"), path + "." + body + ".name");
        String payload = type.equals("function") ? "arguments" : "input";
        string(required(fn, payload, path + "." + body + "." + payload), path + "." + body + "." + payload);
    }

    /** A string, or a non-empty array of parts of the given types. */
    private static void content(JsonNode content, String path, List<String> partTypes) {
        if (content.isTextual()) {
            return;
        }
        if (!content.isArray()) {
            throw Fields.invalidType(path, "a string or an array of content parts", content);
        }
        array(content, path, 1, Integer.MAX_VALUE);
        for (int i = 0; i < content.size(); i++) {
            part(content.get(i), path + "[" + i + "]", partTypes);
        }
    }

    private static void part(JsonNode part, String path, List<String> partTypes) {
        object(part, path);
        String type = oneOf(required(part, "type", path + ".type"), path + ".type", partTypes);
        switch (type) {
            case "text" -> string(required(part, "text", path + ".text"), path + ".text");
            case "refusal" -> string(required(part, "refusal", path + ".refusal"), path + ".refusal");
            case "image_url" -> {
                String where = path + ".image_url";
                JsonNode image = object(required(part, "image_url", where), where);
                string(required(image, "url", where + ".url"), where + ".url");
                JsonNode detail = present(image, "detail");
                if (detail != null) {
                    oneOf(detail, where + ".detail", List.of("auto", "low", "high"));
                }
            }
            case "input_audio" -> {
                String where = path + ".input_audio";
                JsonNode audio = object(required(part, "input_audio", where), where);
                string(required(audio, "data", where + ".data"), where + ".data");
                oneOf(required(audio, "format", where + ".format"), where + ".format", List.of("wav", "mp3"));
            }
            default -> {
                String where = path + ".file";
                JsonNode file = object(required(part, "file", where), where);
                for (String field : List.of("filename", "file_data", "file_id")) {
                    JsonNode v = present(file, field);
                    if (v != null) {
                        string(v, where + "." + field);
                    }
                }
                if (present(file, "file_data") == null && present(file, "file_id") == null) {
                    throw GatewayError.invalid(where, "missing_required_parameter", "Missing required parameter: '"
                            + where + ".file_data' or '" + where + ".file_id'.");
                }
            }
        }
    }
}
