package io.tollgate.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * JSON over HTTP to Tollgate's services (metering queries, budget REST, gateway admin), with the
 * service's token ({@link #with}). A failure names the URL and what came back, so the operator knows
 * which service to look at; a 401 or 403 also says which token was sent and how to send the right one.
 */
public final class ServiceHttp {

    /** What a service answered other than 2xx. */
    public static final class ServiceException extends RuntimeException {
        private final int status;

        ServiceException(int status, String message) {
            super(message);
            this.status = status;
        }

        /** HTTP status, or 0 when nothing answered. */
        public int status() {
            return status;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client;
    private final Duration timeout;
    private final Credential credential;

    /** Without a credential: the services answer 401 to everything but what they do not guard. */
    public ServiceHttp(Duration timeout) {
        this(HttpClient.newBuilder().connectTimeout(timeout).build(), timeout, null);
    }

    private ServiceHttp(HttpClient client, Duration timeout, Credential credential) {
        this.client = client;
        this.timeout = timeout;
        this.credential = credential;
    }

    /** The same client sending {@code credential} as {@code Authorization: Bearer <token>}. */
    public ServiceHttp with(Credential credential) {
        return new ServiceHttp(client, timeout, credential);
    }

    public static ObjectMapper json() {
        return JSON;
    }

    public static String encode(String pathSegment) {
        return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** GET {@code base + path} as JSON; a non-2xx answer or no answer throws {@link ServiceException}. */
    public JsonNode get(String base, String path) {
        String url = stripSlash(base) + path;
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + base + "' is not a URL; expected e.g. http://localhost:8082", e);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET();
        if (credential != null) {
            request.header("Authorization", credential.token().authorization());
        }
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new ServiceException(response.statusCode(), "GET " + url + " answered " + response.statusCode()
                        + ": " + abbreviate(response.body()) + refusal(response.statusCode()));
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new ServiceException(0, "GET " + url + " failed (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); is the service running there?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceException(0, "GET " + url + " interrupted");
        }
    }

    private String refusal(int status) {
        if (status != 401 && status != 403) {
            return "";
        }
        return credential == null ? "" : " (" + credential.refused() + ")";
    }

    private static String stripSlash(String base) {
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    private static String abbreviate(String body) {
        String oneLine = body.replaceAll("\\s+", " ").trim();
        return oneLine.length() > 300 ? oneLine.substring(0, 300) + "..." : oneLine;
    }
}
