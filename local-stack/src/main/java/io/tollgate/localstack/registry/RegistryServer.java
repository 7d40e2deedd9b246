package io.tollgate.localstack.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import io.tollgate.schemas.registry.SchemaRegistries;
import io.tollgate.schemas.registry.SchemaRegistryException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * Serves the in-process registry of one {@code mock://} scope over HTTP with the subset of the
 * Confluent Schema Registry REST API that serdes and tools use, so processes outside this JVM (and
 * the HTTP client) see the same schemas as in-process serdes naming {@code mock://<scope>}.
 *
 * <p>Routes: {@code POST /subjects/{s}/versions}, {@code GET /schemas/ids/{id}},
 * {@code POST /subjects/{s}} (lookup), {@code GET /subjects}, {@code GET /subjects/{s}/versions},
 * {@code GET /subjects/{s}/versions/{v|latest}},
 * {@code POST /compatibility/subjects/{s}/versions/{v|latest}}, {@code GET|PUT /config} and
 * {@code GET|PUT /config/{s}}. Errors use Confluent's {@code {"error_code":..,"message":..}}.
 */
public final class RegistryServer implements AutoCloseable {

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> LEVELS =
            List.of("NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE");

    private final String scope;
    private final InMemorySchemaRegistry registry;
    private final Javalin app;

    private RegistryServer(String scope, int port) {
        this.scope = scope;
        this.registry = SchemaRegistries.inMemory(scope);
        this.app = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.http.compressionStrategy = CompressionStrategy.NONE;
            config.routes.post("/subjects/{subject}/versions", this::register);
            config.routes.get("/schemas/ids/{id}", this::schemaById);
            config.routes.post("/subjects/{subject}", this::lookup);
            config.routes.get("/subjects", ctx -> json(ctx, 200, JSON.valueToTree(registry.subjects())));
            config.routes.get("/subjects/{subject}/versions", this::versions);
            config.routes.get("/subjects/{subject}/versions/{version}", this::version);
            config.routes.post("/compatibility/subjects/{subject}/versions/{version}", this::compatibility);
            config.routes.get("/config", ctx -> json(ctx, 200, level("compatibilityLevel", registry.compatibility(null))));
            config.routes.put("/config", ctx -> setConfig(ctx, null));
            config.routes.get("/config/{subject}",
                    ctx -> json(ctx, 200, level("compatibilityLevel", registry.compatibility(ctx.pathParam("subject")))));
            config.routes.put("/config/{subject}", ctx -> setConfig(ctx, ctx.pathParam("subject")));
            config.routes.exception(RegistryError.class, (e, ctx) -> json(ctx, e.status, errorBody(e.errorCode, e.getMessage())));
            config.routes.exception(Exception.class, (e, ctx) -> json(ctx, 500, errorBody(50001, "registry error: " + e)));
            config.routes.error(404, ctx -> {
                // our own 404s already carry a registry error body; only unmatched routes need one
                String type = ctx.res().getContentType();
                if (type == null || !type.startsWith(CONTENT_TYPE)) {
                    json(ctx, 404, errorBody(404, "no such endpoint: " + ctx.method() + " " + ctx.path()));
                }
            });
        });
        app.start("127.0.0.1", port); // 0: Jetty binds a free port, no race
    }

    /** Serves {@code mock://<scope>} on 127.0.0.1:{@code port} (0 = a free port). */
    public static RegistryServer start(String scope, int port) {
        if (scope == null || scope.isBlank()) {
            throw new IllegalArgumentException("registry scope must not be blank");
        }
        return new RegistryServer(scope, port);
    }

    /** {@code http://127.0.0.1:<port>}, the value for {@code schema.registry.url}. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public int port() {
        return app.port();
    }

    /** The in-process URL of the same registry, {@code mock://<scope>}. */
    public String inProcessUrl() {
        return "mock://" + scope;
    }

    @Override
    public void close() {
        app.stop();
    }

    private void register(Context ctx) {
        String subject = ctx.pathParam("subject");
        Schema schema = schemaFrom(ctx);
        try {
            int id = registry.register(subject, schema);
            json(ctx, 200, JSON.createObjectNode().put("id", id));
        } catch (SchemaRegistryException e) {
            if (e.reason() == SchemaRegistryException.Reason.INCOMPATIBLE) {
                throw new RegistryError(409, 409, e.getMessage());
            }
            throw e;
        }
    }

    private void schemaById(Context ctx) {
        int id = intParam(ctx.pathParam("id"), "schema id");
        try {
            json(ctx, 200, JSON.createObjectNode().put("schema", registry.getById(id).toString()));
        } catch (SchemaRegistryException e) {
            throw new RegistryError(404, 40403, "Schema " + id + " not found");
        }
    }

    private void lookup(Context ctx) {
        String subject = ctx.pathParam("subject");
        Schema schema = schemaFrom(ctx);
        requireSubject(subject);
        int id;
        try {
            id = registry.lookup(subject, schema);
        } catch (SchemaRegistryException e) {
            throw new RegistryError(404, 40403, "Schema not found under subject '" + subject + "'");
        }
        int version = versionOfId(subject, id);
        json(ctx, 200, JSON.createObjectNode().put("subject", subject).put("id", id).put("version", version)
                .put("schema", registry.getById(id).toString()));
    }

    private void versions(Context ctx) {
        json(ctx, 200, JSON.valueToTree(requireSubject(ctx.pathParam("subject"))));
    }

    private void version(Context ctx) {
        String subject = ctx.pathParam("subject");
        requireSubject(subject);
        int version = versionParam(ctx.pathParam("version"));
        int id = registry.idOf(subject, version)
                .orElseThrow(() -> new RegistryError(404, 40402, "Version " + ctx.pathParam("version") + " not found for subject '" + subject + "'"));
        int number = version == -1 ? registry.versions(subject).size() : version;
        json(ctx, 200, JSON.createObjectNode().put("subject", subject).put("version", number).put("id", id)
                .put("schema", registry.getById(id).toString()));
    }

    private void compatibility(Context ctx) {
        String subject = ctx.pathParam("subject");
        Schema schema = schemaFrom(ctx);
        requireSubject(subject);
        int version = versionParam(ctx.pathParam("version"));
        boolean compatible;
        if (version == -1) {
            compatible = registry.isCompatible(subject, schema);
        } else {
            int id = registry.idOf(subject, version)
                    .orElseThrow(() -> new RegistryError(404, 40402, "Version " + version + " not found for subject '" + subject + "'"));
            compatible = compatible(registry.compatibility(subject), schema, registry.getById(id));
        }
        json(ctx, 200, JSON.createObjectNode().put("is_compatible", compatible));
    }

    private void setConfig(Context ctx, String subject) {
        JsonNode body = body(ctx);
        String level = body.path("compatibility").asText("").toUpperCase(Locale.ROOT);
        if (!LEVELS.contains(level)) {
            throw new RegistryError(422, 42203, "Invalid compatibility level '" + body.path("compatibility").asText("")
                    + "'; expected one of " + LEVELS);
        }
        registry.setCompatibility(subject, level);
        json(ctx, 200, level("compatibility", level));
    }

    private List<Integer> requireSubject(String subject) {
        List<Integer> versions = registry.versions(subject);
        if (versions == null) {
            throw new RegistryError(404, 40401, "Subject '" + subject + "' not found");
        }
        return versions;
    }

    private int versionOfId(String subject, int id) {
        List<Integer> versions = registry.versions(subject);
        for (int version : versions) {
            if (registry.idOf(subject, version).equals(Optional.of(id))) {
                return version;
            }
        }
        return versions.size();
    }

    private static boolean compatible(String level, Schema candidate, Schema existing) {
        return switch (level) {
            case "NONE" -> true;
            case "BACKWARD", "BACKWARD_TRANSITIVE" -> canRead(candidate, existing);
            case "FORWARD", "FORWARD_TRANSITIVE" -> canRead(existing, candidate);
            default -> canRead(candidate, existing) && canRead(existing, candidate);
        };
    }

    private static boolean canRead(Schema reader, Schema writer) {
        return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType()
                == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
    }

    private static Schema schemaFrom(Context ctx) {
        JsonNode body = body(ctx);
        String type = body.path("schemaType").asText("AVRO");
        if (!"AVRO".equalsIgnoreCase(type)) {
            throw new RegistryError(422, 42201, "Unsupported schemaType '" + type + "'; this registry serves AVRO only");
        }
        JsonNode schema = body.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw new RegistryError(422, 42201, "Invalid schema: the body needs a 'schema' string holding an Avro schema");
        }
        try {
            return new Schema.Parser().parse(schema.asText());
        } catch (RuntimeException e) {
            // Avro reports bad schemas with several exception types (SchemaParseException, AvroTypeException, ...)
            throw new RegistryError(422, 42201, "Invalid schema: " + e.getMessage());
        }
    }

    private static JsonNode body(Context ctx) {
        try {
            JsonNode node = JSON.readTree(ctx.body());
            if (node == null || !node.isObject()) {
                throw new RegistryError(422, 422, "the request body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new RegistryError(422, 422, "the request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static int versionParam(String version) {
        if ("latest".equalsIgnoreCase(version)) {
            return -1;
        }
        int number = intParam(version, "version");
        if (number < 1) {
            throw new RegistryError(422, 42202, "Invalid version '" + version + "'; expected a positive integer or 'latest'");
        }
        return number;
    }

    private static int intParam(String value, String what) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new RegistryError(422, what.equals("version") ? 42202 : 422,
                    "Invalid " + what + " '" + value + "'; expected an integer");
        }
    }

    private static ObjectNode level(String field, String level) {
        return JSON.createObjectNode().put(field, level);
    }

    private static ObjectNode errorBody(int code, String message) {
        return JSON.createObjectNode().put("error_code", code).put("message", message);
    }

    private static void json(Context ctx, int status, JsonNode body) {
        ctx.status(status).contentType(CONTENT_TYPE).result(body.toString());
    }

    /** A Confluent-style error: HTTP status plus the registry's error code. */
    private static final class RegistryError extends RuntimeException {
        final int status;
        final int errorCode;

        RegistryError(int status, int errorCode, String message) {
            super(message);
            this.status = status;
            this.errorCode = errorCode;
        }
    }
}
