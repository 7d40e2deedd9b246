package io.tollgate.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;

/**
 * Test double: the Confluent Schema Registry REST API on 127.0.0.1, backed by an
 * {@link InMemorySchemaRegistry}, recording every request. {@link #answerNext} forces the answer
 * to the next request (e.g. 401 or 409) to test error handling.
 */
public final class FakeRegistryServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern REGISTER = Pattern.compile("/subjects/([^/]+)/versions");
    private static final Pattern BY_ID = Pattern.compile("/schemas/ids/(\\d+)");
    private static final Pattern LOOKUP = Pattern.compile("/subjects/([^/]+)");
    private static final Pattern COMPATIBILITY = Pattern.compile("/compatibility/subjects/([^/]+)/versions/latest");
    private static final Pattern CONFIG = Pattern.compile("/config/([^/]+)");

    /** One recorded request. */
    public record Request(String method, String path, String contentType, String authorization, String body) {
    }

    private final HttpServer server;
    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry("fake");
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile int forcedStatus;
    private volatile String forcedBody;

    public FakeRegistryServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public InMemorySchemaRegistry registry() {
        return registry;
    }

    public void answerNext(int status, String body) {
        forcedBody = body;
        forcedStatus = status;
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String path = exchange.getRequestURI().getRawPath();
        requests.add(new Request(exchange.getRequestMethod(), path, exchange.getRequestHeaders().getFirst("Content-Type"),
                exchange.getRequestHeaders().getFirst("Authorization"), body));
        int status;
        String answer;
        if (forcedStatus != 0) {
            status = forcedStatus;
            answer = forcedBody;
            forcedStatus = 0;
        } else {
            try {
                answer = route(exchange.getRequestMethod(), path, body);
                status = 200;
            } catch (SchemaRegistryException e) {
                status = switch (e.reason()) {
                    case NOT_FOUND -> 404;
                    case INCOMPATIBLE -> 409;
                    default -> 500;
                };
                answer = JSON.createObjectNode().put("error_code", status).put("message", e.getMessage()).toString();
            }
        }
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
        exchange.close();
    }

    private String route(String method, String path, String body) throws IOException {
        Matcher m;
        ObjectNode out = JSON.createObjectNode();
        if (method.equals("POST") && (m = REGISTER.matcher(path)).matches()) {
            return out.put("id", registry.register(subject(m), schema(body))).toString();
        }
        if (method.equals("GET") && (m = BY_ID.matcher(path)).matches()) {
            return out.put("schema", registry.getById(Integer.parseInt(m.group(1))).toString()).toString();
        }
        if (method.equals("POST") && (m = COMPATIBILITY.matcher(path)).matches()) {
            if (registry.versions(subject(m)) == null) {
                throw new SchemaRegistryException(SchemaRegistryException.Reason.NOT_FOUND, "Subject not found");
            }
            return out.put("is_compatible", registry.isCompatible(subject(m), schema(body))).toString();
        }
        if (method.equals("POST") && (m = LOOKUP.matcher(path)).matches()) {
            int id = registry.lookup(subject(m), schema(body));
            return out.put("subject", subject(m)).put("id", id).put("version", 1).put("schema", registry.getById(id).toString())
                    .toString();
        }
        if (method.equals("PUT") && (m = CONFIG.matcher(path)).matches()) {
            String level = JSON.readTree(body).path("compatibility").asText();
            registry.setCompatibility(subject(m), level);
            return out.put("compatibility", level).toString();
        }
        throw new SchemaRegistryException(SchemaRegistryException.Reason.NOT_FOUND, "no route " + method + " " + path);
    }

    private static String subject(Matcher m) {
        return URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
    }

    private static Schema schema(String body) throws IOException {
        JsonNode node = JSON.readTree(body);
        return new Schema.Parser().parse(node.path("schema").asText());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
