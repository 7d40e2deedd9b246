package io.tollgate.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.schemas.registry.SchemaRegistryException.Reason;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.apache.avro.Schema;

/**
 * Confluent Schema Registry REST client (also served by Apicurio at {@code /apis/ccompat/v7}).
 * Uncached: wrap it in {@link CachingSchemaRegistryClient}, as {@link SchemaRegistries} does.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final String authorization;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param baseUrl  e.g. {@code http://localhost:8081}; a comma-separated list uses its first entry
     * @param userInfo {@code user:password} for basic auth, or null
     */
    public HttpSchemaRegistryClient(String baseUrl, String userInfo, Duration timeout) {
        String first = baseUrl.split(",")[0].trim();
        this.baseUrl = first.endsWith("/") ? first.substring(0, first.length() - 1) : first;
        this.authorization = userInfo == null || userInfo.isBlank() ? null
                : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public int register(String subject, Schema schema) {
        JsonNode body = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema), subject);
        return id(body, "registering under subject '" + subject + "'");
    }

    @Override
    public Schema getById(int id) {
        JsonNode body = send("GET", "/schemas/ids/" + id, null, "schema id " + id);
        if (!body.path("schema").isTextual()) {
            throw new SchemaRegistryException(Reason.SERVER_ERROR, "schema registry at " + baseUrl
                    + " answered GET /schemas/ids/" + id + " without a 'schema' text: " + body);
        }
        try {
            return new Schema.Parser().parse(body.get("schema").asText());
        } catch (RuntimeException e) {
            throw new SchemaRegistryException(Reason.INVALID_SCHEMA, "schema id " + id + " from " + baseUrl
                    + " is not a valid Avro schema: " + e.getMessage(), e);
        }
    }

    @Override
    public int lookup(String subject, Schema schema) {
        JsonNode body = send("POST", "/subjects/" + encode(subject), schemaBody(schema), subject);
        return id(body, "looking up under subject '" + subject + "'");
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        try {
            JsonNode body = send("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest",
                    schemaBody(schema), subject);
            return body.path("is_compatible").asBoolean(false);
        } catch (SchemaRegistryException e) {
            if (e.reason() == Reason.NOT_FOUND) {
                return true; // nothing registered yet: anything is compatible
            }
            throw e;
        }
    }

    @Override
    public void setCompatibility(String subject, String level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level);
        send("PUT", subject == null ? "/config" : "/config/" + encode(subject), body.toString(),
                subject == null ? "global config" : subject);
    }

    @Override
    public String url() {
        return baseUrl;
    }

    private JsonNode send(String method, String path, String body, String what) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(timeout)
                .header("Accept", CONTENT_TYPE + ", application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) {
            request.header("Content-Type", CONTENT_TYPE);
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SchemaRegistryException(Reason.UNREACHABLE, "schema registry at " + baseUrl
                    + " is unreachable (" + method + " " + path + "): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException(Reason.UNREACHABLE, "interrupted calling schema registry at " + baseUrl, e);
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            return parse(response.body(), what);
        }
        String detail = errorMessage(response.body());
        String message = "schema registry at " + baseUrl + " answered " + status + " to " + method + " " + path
                + " (" + what + "): " + detail;
        throw new SchemaRegistryException(switch (status) {
            case 401, 403 -> Reason.UNAUTHORIZED;
            case 404 -> Reason.NOT_FOUND;
            case 409 -> Reason.INCOMPATIBLE;
            case 422 -> Reason.INVALID_SCHEMA;
            default -> Reason.SERVER_ERROR;
        }, message);
    }

    /** A 2xx answer without an integer id is a broken registry, not schema id 0. */
    private int id(JsonNode body, String what) {
        if (!body.path("id").canConvertToInt() || !body.path("id").isIntegralNumber()) {
            throw new SchemaRegistryException(Reason.SERVER_ERROR, "schema registry at " + baseUrl
                    + " answered without an integer 'id' when " + what + ": " + body);
        }
        return body.get("id").asInt();
    }

    private static JsonNode parse(String body, String what) {
        try {
            return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            throw new SchemaRegistryException(Reason.SERVER_ERROR, "schema registry answer for " + what + " is not JSON: " + body, e);
        }
    }

    private static String errorMessage(String body) {
        try {
            JsonNode node = JSON.readTree(body);
            if (node.hasNonNull("message")) {
                return node.get("message").asText();
            }
        } catch (IOException | RuntimeException ignored) {
            // fall through to the raw body
        }
        return body == null || body.isBlank() ? "(empty body)" : body;
    }

    private static String schemaBody(Schema schema) {
        return JSON.createObjectNode().put("schemaType", "AVRO").put("schema", schema.toString()).toString();
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
