package io.tollgate.localstack.junit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Calls every route a server registered ({@code METHOD path}, as the servers list their Javalin route
 * tables) with one credential and reports the status of each. The access ITs use it to show that no
 * route answers without its credential: a route added later is probed too, because the list comes from
 * the running server, not from the test. Path parameters ({@code {id}}, {@code <id>}) are filled with
 * {@value #PROBE}; POST, PUT and PATCH send {@code {}} as JSON.
 */
public final class RouteProbe {

    /** The value put into every path parameter. */
    public static final String PROBE = "probe";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RouteProbe() {
    }

    /**
     * The status every route answers.
     *
     * @param baseUrl       e.g. {@code http://127.0.0.1:8082}
     * @param routes        {@code METHOD path} entries
     * @param authorization the {@code Authorization} header to send; null sends none
     */
    public static Map<String, Integer> statuses(String baseUrl, List<String> routes, String authorization) {
        if (routes.isEmpty()) {
            throw new IllegalArgumentException("no routes to probe at " + baseUrl + "; expected the server's route table");
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String route : routes) {
            out.put(route, status(baseUrl, route, authorization));
        }
        return out;
    }

    private static int status(String baseUrl, String route, String authorization) {
        int space = route.indexOf(' ');
        String method = route.substring(0, space);
        String path = route.substring(space + 1).replaceAll("\\{[^}/]+}|<[^>/]+>", PROBE);
        boolean body = method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(10))
                .method(method, body ? HttpRequest.BodyPublishers.ofString("{}") : HttpRequest.BodyPublishers.noBody());
        if (body) {
            request.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + baseUrl + path + " did not answer: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while probing " + baseUrl + path, e);
        }
    }
}
