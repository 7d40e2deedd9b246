package io.tollgate.localstack.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.schemas.avro.UsageEvent;
import io.tollgate.schemas.registry.HttpSchemaRegistryClient;
import io.tollgate.schemas.registry.SchemaRegistries;
import io.tollgate.schemas.registry.SchemaRegistryException;
import io.tollgate.schemas.registry.SchemaRegistryException.Reason;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RegistryServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUBJECT = "tollgate.usage.v1-value";
    private static final Schema V1 = record("""
            {"name":"calls","type":"long"}""");
    private static final Schema V2_WITH_DEFAULT = record("""
            {"name":"calls","type":"long"},{"name":"tokens","type":"long","default":0}""");
    private static final Schema V3_WITHOUT_DEFAULT = record("""
            {"name":"calls","type":"long"},{"name":"tokens","type":"long","default":0},{"name":"cost","type":"long"}""");

    private final HttpClient http = HttpClient.newHttpClient();
    private String scope;
    private RegistryServer server;
    private HttpSchemaRegistryClient client;

    @BeforeEach
    void start() {
        scope = "registry-server-test-" + UUID.randomUUID();
        server = RegistryServer.start(scope, 0);
        client = new HttpSchemaRegistryClient(server.url(), null, Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        server.close();
        SchemaRegistries.dropScope(scope);
    }

    @Test
    void shouldRegisterFetchAndLookUpWhenTheSchemaIsNew() {
        // When
        int id = client.register(SUBJECT, UsageEvent.getClassSchema());

        // Then the same schema keeps its id, and both clients see it
        assertThat(client.register(SUBJECT, UsageEvent.getClassSchema())).isEqualTo(id);
        assertThat(client.getById(id)).isEqualTo(UsageEvent.getClassSchema());
        assertThat(client.lookup(SUBJECT, UsageEvent.getClassSchema())).isEqualTo(id);
        assertThat(SchemaRegistries.forUrl(server.inProcessUrl()).getById(id)).isEqualTo(UsageEvent.getClassSchema());
    }

    @Test
    void shouldRefuseAnIncompatibleChangeWith409AndAcceptACompatibleOne() throws Exception {
        // Given
        client.setCompatibility(SUBJECT, "BACKWARD");
        client.register(SUBJECT, V1);

        // When / Then
        assertThat(client.isCompatible(SUBJECT, V2_WITH_DEFAULT)).isTrue();
        int v2 = client.register(SUBJECT, V2_WITH_DEFAULT);
        assertThat(client.isCompatible(SUBJECT, V3_WITHOUT_DEFAULT)).isFalse();
        assertThatThrownBy(() -> client.register(SUBJECT, V3_WITHOUT_DEFAULT))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INCOMPATIBLE));
        HttpResponse<String> refused = send("POST", "/subjects/" + SUBJECT + "/versions", schemaBody(V3_WITHOUT_DEFAULT));
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(refused.body()).get("error_code").asInt()).isEqualTo(409);

        JsonNode latest = JSON.readTree(send("GET", "/subjects/" + SUBJECT + "/versions/latest", null).body());
        assertThat(latest.get("version").asInt()).isEqualTo(2);
        assertThat(latest.get("id").asInt()).isEqualTo(v2);
        assertThat(JSON.readTree(send("GET", "/subjects/" + SUBJECT + "/versions", null).body()).toString()).isEqualTo("[1,2]");
        assertThat(JSON.readTree(send("GET", "/subjects", null).body()).toString()).isEqualTo("[\"" + SUBJECT + "\"]");
    }

    @Test
    void shouldCheckCompatibilityAgainstANumberedVersion() throws Exception {
        client.setCompatibility(SUBJECT, "FORWARD");
        client.register(SUBJECT, V1);

        JsonNode answer = JSON.readTree(send("POST", "/compatibility/subjects/" + SUBJECT + "/versions/1", schemaBody(V3_WITHOUT_DEFAULT)).body());

        // FORWARD: the old schema must read the new one, and it ignores the added fields
        assertThat(answer.get("is_compatible").asBoolean()).isTrue();
    }

    @Test
    void shouldKeepGlobalAndSubjectConfigApart() throws Exception {
        client.setCompatibility(null, "FULL");
        client.setCompatibility(SUBJECT, "NONE");

        assertThat(JSON.readTree(send("GET", "/config", null).body()).get("compatibilityLevel").asText()).isEqualTo("FULL");
        assertThat(JSON.readTree(send("GET", "/config/" + SUBJECT, null).body()).get("compatibilityLevel").asText()).isEqualTo("NONE");
        assertThat(JSON.readTree(send("GET", "/config/other-subject", null).body()).get("compatibilityLevel").asText()).isEqualTo("FULL");
    }

    @Test
    void shouldAnswerConfluentErrorCodesWhenSomethingIsMissingOrInvalid() throws Exception {
        client.register(SUBJECT, V1);

        assertError(send("GET", "/schemas/ids/999", null), 404, 40403);
        assertError(send("GET", "/subjects/nope/versions", null), 404, 40401);
        assertError(send("GET", "/subjects/nope/versions/latest", null), 404, 40401);
        assertError(send("GET", "/subjects/" + SUBJECT + "/versions/7", null), 404, 40402);
        assertError(send("GET", "/subjects/" + SUBJECT + "/versions/seven", null), 422, 42202);
        assertError(send("POST", "/subjects/nope", schemaBody(V1)), 404, 40401);
        assertError(send("POST", "/subjects/" + SUBJECT, schemaBody(V2_WITH_DEFAULT)), 404, 40403);
        assertError(send("POST", "/subjects/" + SUBJECT + "/versions", "{\"schema\":\"{\\\"type\\\":\\\"nonsense\\\"}\"}"), 422, 42201);
        assertError(send("POST", "/subjects/" + SUBJECT + "/versions", "{not json"), 422, 422);
        assertError(send("PUT", "/config", "{\"compatibility\":\"SOMETIMES\"}"), 422, 42203);
        assertError(send("GET", "/no/such/endpoint", null), 404, 404);
    }

    @Test
    void shouldMapErrorsToReasonsWhenUsedThroughTheHttpClient() {
        assertThatThrownBy(() -> client.getById(12345))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
                    assertThat(e.getMessage()).contains("Schema 12345 not found").contains(server.url());
                });
        assertThatThrownBy(() -> client.lookup("absent-subject", V1))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
        assertThat(client.isCompatible("absent-subject", V1)).isTrue();
    }

    private static void assertError(HttpResponse<String> response, int status, int errorCode) throws Exception {
        assertThat(response.statusCode()).as(response.uri().toString()).isEqualTo(status);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("error_code").asInt()).as(response.body()).isEqualTo(errorCode);
        assertThat(body.get("message").asText()).isNotBlank();
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith(RegistryServer.CONTENT_TYPE));
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.url() + path))
                .header("Content-Type", RegistryServer.CONTENT_TYPE)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String schemaBody(Schema schema) {
        return JSON.createObjectNode().put("schema", schema.toString()).toString();
    }

    private static Schema record(String fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Counts\",\"namespace\":\"test\",\"fields\":[" + fields + "]}");
    }
}
