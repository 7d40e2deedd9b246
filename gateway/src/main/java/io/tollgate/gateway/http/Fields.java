package io.tollgate.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.call.GatewayError;
import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Checks of one request value by type and range, each failure an OpenAI-shaped 400 naming the
 * parameter by its path ({@code tools[0].function.name}), the value's type or the value, and what
 * was expected, with OpenAI's codes ({@code invalid_type}, {@code decimal_above_max_value},
 * {@code integer_below_min_value}, {@code array_above_max_length}, {@code invalid_value} ...).
 * Absent and {@code null} values are the caller's business: {@link #present} tells them apart.
 */
final class Fields {

    private Fields() {
    }

    /** The field's value, or null when absent or JSON {@code null} (OpenAI's optional parameters are nullable). */
    static JsonNode present(JsonNode parent, String field) {
        JsonNode v = parent.get(field);
        return v == null || v.isNull() ? null : v;
    }

    static JsonNode required(JsonNode parent, String field, String path) {
        JsonNode v = present(parent, field);
        if (v == null) {
            throw GatewayError.invalid(path, "missing_required_parameter", "Missing required parameter: '" + path + "'.");
        }
        return v;
    }

    static void number(JsonNode v, String path, double min, double max) {
        if (!v.isNumber()) {
            throw invalidType(path, "a number", v);
        }
        double value = v.doubleValue(); // 1e400 reads as Infinity: above any maximum
        if (value < min) {
            throw GatewayError.invalid(path, "decimal_below_min_value", "Invalid '" + path
                    + "': decimal below minimum value. Expected a value >= " + plain(min) + ", but got "
                    + v.asText() + " instead.");
        }
        if (value > max) {
            throw GatewayError.invalid(path, "decimal_above_max_value", "Invalid '" + path
                    + "': decimal above maximum value. Expected a value <= " + plain(max) + ", but got "
                    + v.asText() + " instead.");
        }
    }

    static long integer(JsonNode v, String path, long min, long max) {
        if (!v.isIntegralNumber()) {
            throw invalidType(path, "an integer", v);
        }
        boolean fits = v.canConvertToLong();
        if (fits ? v.longValue() > max : v.bigIntegerValue().signum() > 0) {
            throw GatewayError.invalid(path, "integer_above_max_value", "Invalid '" + path
                    + "': integer above maximum value. Expected a value <= " + max + ", but got "
                    + v.bigIntegerValue() + " instead.");
        }
        if (!fits || v.longValue() < min) {
            throw GatewayError.invalid(path, "integer_below_min_value", "Invalid '" + path
                    + "': integer below minimum value. Expected a value >= " + min + ", but got "
                    + v.bigIntegerValue() + " instead.");
        }
        return v.longValue();
    }

    static boolean bool(JsonNode v, String path) {
        if (!v.isBoolean()) {
            throw invalidType(path, "a boolean", v);
        }
        return v.booleanValue();
    }

    static String string(JsonNode v, String path) {
        if (!v.isTextual()) {
            throw invalidType(path, "a string", v);
        }
        return v.textValue();
    }

    static String string(JsonNode v, String path, int maxLength) {
        String s = string(v, path);
        if (s.length() > maxLength) {
            throw GatewayError.invalid(path, "string_above_max_length", "Invalid '" + path
                    + "': string too long. Expected a string with maximum length " + maxLength
                    + ", but got a string with length " + s.length() + " instead.");
        }
        return s;
    }

    static String matching(JsonNode v, String path, Pattern pattern, int maxLength) {
        String s = string(v, path, maxLength);
        if (!pattern.matcher(s).matches()) {
            throw GatewayError.invalid(path, "invalid_value", "Invalid '" + path
                    + "': string does not match pattern. Expected a string that matches the pattern '"
                    + pattern.pattern() + "'.");
        }
        return s;
    }

    static String oneOf(JsonNode v, String path, List<String> values) {
        String s = string(v, path);
        if (!values.contains(s)) {
            throw GatewayError.invalid(path, "invalid_value", "Invalid value for '" + path + "': '" + s
                    + "'. Supported values are: " + values.stream().map(x -> "'" + x + "'")
                    .collect(Collectors.joining(", ")) + ".");
        }
        return s;
    }

    static ObjectNode object(JsonNode v, String path) {
        if (!v.isObject()) {
            throw invalidType(path, "an object", v);
        }
        return (ObjectNode) v;
    }

    static ArrayNode array(JsonNode v, String path, int minLength, int maxLength) {
        if (!v.isArray()) {
            throw invalidType(path, "an array", v);
        }
        if (v.size() < minLength) {
            throw GatewayError.invalid(path, v.isEmpty() ? "empty_array" : "array_below_min_length", "Invalid '"
                    + path + "': " + (v.isEmpty() ? "empty array" : "array too short") + ". Expected an array with"
                    + " minimum length " + minLength + ", but got an array with length " + v.size() + " instead.");
        }
        if (v.size() > maxLength) {
            throw GatewayError.invalid(path, "array_above_max_length", "Invalid '" + path
                    + "': array too long. Expected an array with maximum length " + maxLength
                    + ", but got an array with length " + v.size() + " instead.");
        }
        return (ArrayNode) v;
    }

    static GatewayError invalidType(String path, String expected, JsonNode v) {
        return GatewayError.invalid(path, "invalid_type",
                "Invalid type for '" + path + "': expected " + expected + ", but got " + type(v) + " instead.");
    }

    static String type(JsonNode v) {
        return switch (v.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> v.isIntegralNumber() ? "an integer" : "a decimal";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String plain(double d) {
        return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }
}
