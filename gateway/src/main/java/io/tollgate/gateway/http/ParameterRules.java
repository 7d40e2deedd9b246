package io.tollgate.gateway.http;

import static io.tollgate.gateway.http.Fields.array;
import static io.tollgate.gateway.http.Fields.integer;
import static io.tollgate.gateway.http.Fields.matching;
import static io.tollgate.gateway.http.Fields.number;
import static io.tollgate.gateway.http.Fields.object;
import static io.tollgate.gateway.http.Fields.oneOf;
import static io.tollgate.gateway.http.Fields.present;
import static io.tollgate.gateway.http.Fields.required;
import static io.tollgate.gateway.http.Fields.string;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.call.GatewayError;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * The optional parameters of {@code POST /v1/chat/completions} and {@code POST /v1/embeddings}
 * that OpenAI's API reference documents, each checked by type and range. Parameters whose values
 * grow with new models ({@code reasoning_effort}, {@code service_tier}, {@code verbosity}) are
 * checked as strings only, so a new value reaches a provider that knows it. Parameters this table
 * does not name pass through untouched for the provider to judge.
 */
final class ParameterRules {

    private static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9_-]+$");
    private static final Pattern TOKEN_ID = Pattern.compile("^\\d{1,10}$");
    private static final int MAX_TOOLS = 128;

    private ParameterRules() {
    }

    private static final Map<String, BiConsumer<JsonNode, String>> CHAT = Map.ofEntries(
            Map.entry("temperature", (v, p) -> number(v, p, 0, 2)),
            Map.entry("top_p", (v, p) -> number(v, p, 0, 1)),
            Map.entry("n", (v, p) -> integer(v, p, 1, 128)),
            Map.entry("presence_penalty", (v, p) -> number(v, p, -2, 2)),
            Map.entry("frequency_penalty", (v, p) -> number(v, p, -2, 2)),
            Map.entry("logit_bias", ParameterRules::logitBias),
            Map.entry("logprobs", Fields::bool),
            Map.entry("top_logprobs", (v, p) -> integer(v, p, 0, 20)),
            Map.entry("max_tokens", (v, p) -> integer(v, p, 1, Integer.MAX_VALUE)),
            Map.entry("max_completion_tokens", (v, p) -> integer(v, p, 1, Integer.MAX_VALUE)),
            Map.entry("stop", ParameterRules::stop),
            Map.entry("seed", (v, p) -> integer(v, p, Long.MIN_VALUE, Long.MAX_VALUE)),
            Map.entry("response_format", ParameterRules::responseFormat),
            Map.entry("tools", ParameterRules::tools),
            Map.entry("tool_choice", ParameterRules::toolChoice),
            Map.entry("parallel_tool_calls", Fields::bool),
            Map.entry("functions", ParameterRules::functions),
            Map.entry("function_call", ParameterRules::functionCall),
            Map.entry("user", Fields::string),
            Map.entry("safety_identifier", (v, p) -> string(v, p, 64)),
            Map.entry("prompt_cache_key", Fields::string),
            Map.entry("prompt_cache_retention", Fields::string),
            Map.entry("stream", Fields::bool),
            Map.entry("stream_options", ParameterRules::streamOptions),
            Map.entry("store", Fields::bool),
            Map.entry("metadata", ParameterRules::metadata),
            Map.entry("modalities", ParameterRules::modalities),
            Map.entry("audio", ParameterRules::audio),
            Map.entry("prediction", ParameterRules::prediction),
            Map.entry("reasoning_effort", Fields::string),
            Map.entry("service_tier", Fields::string),
            Map.entry("verbosity", Fields::string),
            Map.entry("web_search_options", Fields::object));

    private static final Map<String, BiConsumer<JsonNode, String>> EMBEDDINGS = Map.of(
            "encoding_format", (v, p) -> oneOf(v, p, List.of("float", "base64")),
            "dimensions", (v, p) -> integer(v, p, 1, Integer.MAX_VALUE),
            "user", Fields::string);

    /** Every documented optional chat parameter present in {@code body}. */
    static void chat(ObjectNode body) {
        check(body, CHAT);
        if (present(body, "stream_options") != null && !(present(body, "stream") != null && body.get("stream").asBoolean())) {
            throw GatewayError.invalid("stream_options", "invalid_value",
                    "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
        }
    }

    static void embeddings(ObjectNode body) {
        check(body, EMBEDDINGS);
    }

    private static void check(ObjectNode body, Map<String, BiConsumer<JsonNode, String>> rules) {
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            BiConsumer<JsonNode, String> rule = rules.get(field.getKey());
            if (rule != null && !field.getValue().isNull()) {
                rule.accept(field.getValue(), field.getKey());
            }
        }
    }

    private static void logitBias(JsonNode v, String path) {
        object(v, path);
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!TOKEN_ID.matcher(e.getKey()).matches()) {
                throw GatewayError.invalid(path, "invalid_value", "Invalid key in '" + path + "': '" + e.getKey()
                        + "'. Expected a string representing an integer token ID.");
            }
            integer(e.getValue(), path + "." + e.getKey(), -100, 100);
        }
    }

    private static void stop(JsonNode v, String path) {
        if (v.isTextual()) {
            return;
        }
        if (!v.isArray()) {
            throw Fields.invalidType(path, "a string or an array of strings", v);
        }
        array(v, path, 0, 4);
        for (int i = 0; i < v.size(); i++) {
            string(v.get(i), path + "[" + i + "]");
        }
    }

    private static void responseFormat(JsonNode v, String path) {
        object(v, path);
        String type = oneOf(required(v, "type", path + ".type"), path + ".type",
                List.of("text", "json_object", "json_schema"));
        if (type.equals("json_schema")) {
            String where = path + ".json_schema";
            JsonNode schema = object(required(v, "json_schema", where), where);
            matching(required(schema, "name", where + ".name"), where + ".name", NAME, 64);
            optional(schema, "description", where, Fields::string);
            optional(schema, "schema", where, Fields::object);
            optional(schema, "strict", where, Fields::bool);
        }
    }

    private static void tools(JsonNode v, String path) {
        array(v, path, 0, MAX_TOOLS);
        for (int i = 0; i < v.size(); i++) {
            String where = path + "[" + i + "]";
            JsonNode tool = object(v.get(i), where);
            String type = oneOf(required(tool, "type", where + ".type"), where + ".type", List.of("function", "custom"));
            if (type.equals("function")) {
                function(required(tool, "function", where + ".function"), where + ".function");
            } else {
                String custom = where + ".custom";
                JsonNode c = object(required(tool, "custom", custom), custom);
                matching(required(c, "name", custom + ".name"), custom + ".name", NAME, 64);
                optional(c, "description", custom, Fields::string);
                optional(c, "format", custom, Fields::object);
            }
        }
    }

    private static void function(JsonNode v, String path) {
        object(v, path);
        matching(required(v, "name", path + ".name"), path + ".name", NAME, 64);
        optional(v, "description", path, Fields::string);
        optional(v, "parameters", path, Fields::object);
        optional(v, "strict", path, Fields::bool);
    }

    private static void functions(JsonNode v, String path) {
        array(v, path, 1, MAX_TOOLS);
        for (int i = 0; i < v.size(); i++) {
            function(v.get(i), path + "[" + i + "]");
        }
    }

    private static void toolChoice(JsonNode v, String path) {
        if (v.isTextual()) {
            oneOf(v, path, List.of("none", "auto", "required"));
            return;
        }
        if (!v.isObject()) {
            throw Fields.invalidType(path, "a string or an object", v);
        }
        String type = oneOf(required(v, "type", path + ".type"), path + ".type",
                List.of("function", "custom", "allowed_tools"));
        String where = path + "." + type;
        JsonNode body = object(required(v, type, where), where);
        if (type.equals("allowed_tools")) {
            oneOf(required(body, "mode", where + ".mode"), where + ".mode", List.of("auto", "required"));
            array(required(body, "tools", where + ".tools"), where + ".tools", 0, Integer.MAX_VALUE);
        } else {
            string(required(body, "name", where + ".name"), where + ".name");
        }
    }

    private static void functionCall(JsonNode v, String path) {
        if (v.isTextual()) {
            oneOf(v, path, List.of("none", "auto"));
            return;
        }
        if (!v.isObject()) {
            throw Fields.invalidType(path, "a string or an object", v);
        }
        string(required(v, "name", path + ".name"), path + ".name");
    }

    private static void streamOptions(JsonNode v, String path) {
        object(v, path);
        optional(v, "include_usage", path, Fields::bool);
        optional(v, "include_obfuscation", path, Fields::bool);
    }

    private static void metadata(JsonNode v, String path) {
        object(v, path);
        if (v.size() > 16) {
            throw GatewayError.invalid(path, "object_above_max_properties", "Invalid '" + path
                    + "': too many properties. Expected at most 16, but got " + v.size() + " instead.");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().length() > 64) {
                throw GatewayError.invalid(path, "invalid_value", "Invalid key in '" + path
                        + "': keys are at most 64 characters, but one has " + e.getKey().length() + ".");
            }
            string(e.getValue(), path + "." + e.getKey(), 512);
        }
    }

    private static void modalities(JsonNode v, String path) {
        array(v, path, 0, 2);
        for (int i = 0; i < v.size(); i++) {
            oneOf(v.get(i), path + "[" + i + "]", List.of("text", "audio"));
        }
    }

    private static void audio(JsonNode v, String path) {
        object(v, path);
        JsonNode voice = required(v, "voice", path + ".voice");
        if (!voice.isTextual() && !voice.isObject()) {
            throw Fields.invalidType(path + ".voice", "a string or an object", voice);
        }
        oneOf(required(v, "format", path + ".format"), path + ".format",
                List.of("wav", "aac", "mp3", "flac", "opus", "pcm16"));
    }

    private static void prediction(JsonNode v, String path) {
        object(v, path);
        oneOf(required(v, "type", path + ".type"), path + ".type", List.of("content"));
        JsonNode content = required(v, "content", path + ".content");
        if (!content.isTextual() && !content.isArray()) {
            throw Fields.invalidType(path + ".content", "a string or an array of text parts", content);
        }
    }

    private static void optional(JsonNode parent, String field, String path, BiConsumer<JsonNode, String> rule) {
        JsonNode v = present(parent, field);
        if (v != null) {
            rule.accept(v, path + "." + field);
        }
    }
}
