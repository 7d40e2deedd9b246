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
 * JSON over HTTP to Tollgate's services (metering queries, budget REST, gateway admin). A failure
 * names the URL and what came back, so the operator knows which service to look at.
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

    public ServiceHttp(Duration timeout) {
        this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.timeout = timeout;
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
        try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new ServiceException(response.statusCode(), "GET " + url + " answered " + response.statusCode()
                        + ": " + abbreviate(response.body()));
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

    private static String stripSlash(String base) {
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    private static String abbreviate(String body) {
        String oneLine = body.replaceAll("\\s+", " ").trim();
        return oneLine.length() > 300 ? oneLine.substring(0, 300) + "..." : oneLine;
    }
}
