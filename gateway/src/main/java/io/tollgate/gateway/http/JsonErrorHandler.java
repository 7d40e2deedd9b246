package io.tollgate.gateway.http;

import io.tollgate.gateway.call.OpenAiErrors;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers itself, before a route runs (headers over {@value GatewayServer#MAX_HEADER_BYTES}
 * bytes: 431, a request line Jetty refuses: 400 or 414), in OpenAI's error shape rather than
 * Jetty's HTML page, so that every client parses every answer the same way.
 */
final class JsonErrorHandler extends ErrorHandler {

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        byte[] body = body(code, message);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(body(status, reason));
    }

    private static byte[] body(int status, String reason) {
        return switch (status) {
            case 431 -> OpenAiErrors.json("The request headers are larger than this gateway accepts ("
                    + GatewayServer.MAX_HEADER_BYTES + " bytes in all); send fewer or shorter headers.",
                    "invalid_request_error", "request_headers_too_large", null);
            case 414 -> OpenAiErrors.json("The request URI is longer than this gateway accepts.",
                    "invalid_request_error", "uri_too_long", null);
            case 413 -> OpenAiErrors.json("The request is larger than this gateway accepts.",
                    "invalid_request_error", "request_too_large", null);
            default -> OpenAiErrors.json("The gateway could not process this request (HTTP " + status
                    + (reason == null || reason.isBlank() ? "" : ": " + reason) + ").",
                    status >= 500 ? "server_error" : "invalid_request_error", "http_" + status, null);
        };
    }
}
