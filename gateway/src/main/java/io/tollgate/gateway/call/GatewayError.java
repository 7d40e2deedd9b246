package io.tollgate.gateway.call;

import java.util.Map;

/**
 * A call refused or failed by the gateway itself, rendered in OpenAI's error shape
 * {@code {"error": {"message", "type", "param", "code"}}} with {@code status} and extra headers
 * (Retry-After, the limit hit).
 */
public final class GatewayError extends RuntimeException {

    private final int status;
    private final String type;
    private final String code;
    private final String param;
    private final Map<String, String> headers;

    public GatewayError(int status, String type, String code, String param, String message,
                        Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.headers = Map.copyOf(headers);
    }

    public static GatewayError invalid(String param, String code, String message) {
        return new GatewayError(400, "invalid_request_error", code, param, message, Map.of());
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
