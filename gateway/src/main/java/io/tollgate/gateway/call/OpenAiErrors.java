package io.tollgate.gateway.call;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/** OpenAI's error body: {@code {"error": {"message": ..., "type": ..., "param": ..., "code": ...}}}. */
public final class OpenAiErrors {

    private OpenAiErrors() {
    }

    public static byte[] json(String message, String type, String code, String param) {
        ObjectNode root = CallExecutor.JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] json(GatewayError e) {
        return json(e.getMessage(), e.type(), e.code(), e.param());
    }
}
