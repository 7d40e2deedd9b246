package io.tollgate.gateway.http;

import io.tollgate.gateway.call.GatewayError;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The cost of a past call, asked of metering-stream's per-call store
 * ({@code GET <TOLLGATE_METERING_URL>/v1/keys/{apiKeyId}/calls/{callId}}, with the operator token
 * {@code TOLLGATE_OPERATOR_TOKEN} as a bearer token) for {@code GET /v1/calls/{callId}}. The
 * gateway asks only under the caller's own key, so an agent sees its own calls and no one else's.
 */
public final class MeteringCalls {

    public static final String URL_VARIABLE = "TOLLGATE_METERING_URL";
    public static final String TOKEN_VARIABLE = "TOLLGATE_OPERATOR_TOKEN";
    private static final Pattern CALL_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** A metering answer to relay: status, content type and body. */
    public record Answer(int status, String contentType, byte[] body) {
    }

    private final URI base;
    private final String operatorToken;
    private final HttpClient http;

    private MeteringCalls(URI base, String operatorToken) {
        this.base = base;
        this.operatorToken = operatorToken;
        this.http = base == null ? null : HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }

    /** From {@value #URL_VARIABLE} (absent: lookups answer 501) and {@value #TOKEN_VARIABLE}. */
    public static MeteringCalls fromEnv(Map<String, String> env) {
        String url = env.get(URL_VARIABLE);
        if (url == null || url.isBlank()) {
            return new MeteringCalls(null, null);
        }
        URI base;
        try {
            base = URI.create(url.trim().replaceAll("/+$", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(URL_VARIABLE + "='" + url + "' is not a URL; expected metering-stream's"
                    + " HTTP address, e.g. http://localhost:8082", e);
        }
        if (base.getScheme() == null || base.getHost() == null) {
            throw new IllegalArgumentException(URL_VARIABLE + "='" + url + "' is not an absolute http(s) URL; expected"
                    + " e.g. http://localhost:8082");
        }
        String token = env.get(TOKEN_VARIABLE);
        return new MeteringCalls(base, token == null || token.isBlank() ? null : token.trim());
    }

    /** What metering knows of call {@code callId} of key {@code apiKeyId}; throws the gateway's error otherwise. */
    public Answer lookup(String apiKeyId, String callId) {
        if (base == null) {
            throw new GatewayError(501, "server_error", "not_configured", null, "Call lookup is not configured on "
                    + "this gateway: set " + URL_VARIABLE + " to metering-stream's HTTP address (and "
                    + TOKEN_VARIABLE + " to its operator token).", Map.of());
        }
        if (!CALL_ID.matcher(callId).matches()) {
            throw GatewayError.invalid("call_id", "invalid_value", "Invalid call id '" + callId
                    + "': expected the X-Tollgate-Call-Id of one of your calls (1-128 letters, digits, '-' or '_').");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/v1/keys/" + encode(apiKeyId)
                + "/calls/" + encode(callId))).timeout(TIMEOUT).header("Accept", "application/json").GET();
        if (operatorToken != null) {
            request.header("Authorization", "Bearer " + operatorToken);
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw unavailable("could not be reached (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("lookup interrupted");
        }
        return switch (response.statusCode()) {
            case 200 -> new Answer(200, contentType(response).orElse("application/json"), response.body());
            case 404 -> throw new GatewayError(404, "invalid_request_error", "call_not_found", "call_id", "No call '"
                    + callId + "' of API key " + apiKeyId + " is known to metering (a call appears there once its "
                    + "usage events are metered; calls of other keys are never shown).", Map.of());
            default -> throw unavailable("answered HTTP " + response.statusCode());
        };
    }

    private static GatewayError unavailable(String what) {
        return new GatewayError(502, "server_error", "metering_unavailable", null, "Metering (" + URL_VARIABLE + ") "
                + what + "; the call's cost cannot be shown now. Retry later.", Map.of("Retry-After", "5"));
    }

    private static Optional<String> contentType(HttpResponse<?> response) {
        return response.headers().firstValue("Content-Type");
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
