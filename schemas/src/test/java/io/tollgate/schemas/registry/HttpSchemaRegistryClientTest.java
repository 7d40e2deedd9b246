package io.tollgate.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.schemas.avro.SpendTotal;
import io.tollgate.schemas.avro.UsageEvent;
import io.tollgate.schemas.registry.FakeRegistryServer.Request;
import io.tollgate.schemas.registry.SchemaRegistryException.Reason;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpSchemaRegistryClientTest {

    static final String SUBJECT = "tollgate.usage.v1-value";
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    static final ObjectMapper JSON = new ObjectMapper();

    FakeRegistryServer server;
    HttpSchemaRegistryClient client;

    @BeforeEach
    void start() throws IOException {
        server = new FakeRegistryServer();
        client = new HttpSchemaRegistryClient(server.url(), "user:s3cret", Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    Request last() {
        return server.requests().get(server.requests().size() - 1);
    }

    @Test
    void shouldPostTheSchemaToTheSubjectVersionsWhenRegistering() throws IOException {
        // When
        int id = client.register(SUBJECT, UsageEvent.getClassSchema());

        // Then
        Request request = last();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/subjects/tollgate.usage.v1-value/versions");
        assertThat(request.contentType()).isEqualTo(CONTENT_TYPE);
        assertThat(request.authorization()).isEqualTo("Basic "
                + Base64.getEncoder().encodeToString("user:s3cret".getBytes(StandardCharsets.UTF_8)));
        JsonNode body = JSON.readTree(request.body());
        assertThat(body.path("schemaType").asText()).isEqualTo("AVRO");
        assertThat(new Schema.Parser().parse(body.path("schema").asText())).isEqualTo(UsageEvent.getClassSchema());
        assertThat(id).isEqualTo(server.registry().lookup(SUBJECT, UsageEvent.getClassSchema()));
    }

    @Test
    void shouldGetTheSchemaByIdWhenFetching() {
        int id = server.registry().register(SUBJECT, UsageEvent.getClassSchema());

        Schema schema = client.getById(id);

        assertThat(schema).isEqualTo(UsageEvent.getClassSchema());
        assertThat(last().method()).isEqualTo("GET");
        assertThat(last().path()).isEqualTo("/schemas/ids/" + id);
        assertThat(last().authorization()).startsWith("Basic ");
    }

    @Test
    void shouldPostToTheSubjectWhenLookingUp() {
        int id = server.registry().register(SUBJECT, UsageEvent.getClassSchema());

        assertThat(client.lookup(SUBJECT, UsageEvent.getClassSchema())).isEqualTo(id);
        assertThat(last().method()).isEqualTo("POST");
        assertThat(last().path()).isEqualTo("/subjects/tollgate.usage.v1-value");
        assertThat(last().contentType()).isEqualTo(CONTENT_TYPE);
    }

    @Test
    void shouldSayNotFoundWhenLookingUpAnUnregisteredSchema() {
        assertThatThrownBy(() -> client.lookup(SUBJECT, UsageEvent.getClassSchema()))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND))
                .hasMessageContaining("answered 404").hasMessageContaining(server.url());
    }

    @Test
    void shouldAskTheLatestVersionWhenCheckingCompatibility() {
        server.registry().register(SUBJECT, UsageEvent.getClassSchema());

        assertThat(client.isCompatible(SUBJECT, UsageEvent.getClassSchema())).isTrue();
        assertThat(last().method()).isEqualTo("POST");
        assertThat(last().path()).isEqualTo("/compatibility/subjects/tollgate.usage.v1-value/versions/latest");
        assertThat(client.isCompatible(SUBJECT, SpendTotal.getClassSchema())).isFalse();
    }

    @Test
    void shouldTreatAnUnknownSubjectAsCompatibleWhenCheckingCompatibility() {
        assertThat(client.isCompatible("fresh-value", UsageEvent.getClassSchema())).isTrue();
        assertThat(last().path()).isEqualTo("/compatibility/subjects/fresh-value/versions/latest");
    }

    @Test
    void shouldPutTheLevelWhenSettingCompatibility() throws IOException {
        client.setCompatibility(SUBJECT, "BACKWARD");

        assertThat(last().method()).isEqualTo("PUT");
        assertThat(last().path()).isEqualTo("/config/tollgate.usage.v1-value");
        assertThat(last().contentType()).isEqualTo(CONTENT_TYPE);
        assertThat(JSON.readTree(last().body()).path("compatibility").asText()).isEqualTo("BACKWARD");
        assertThat(server.registry().compatibility(SUBJECT)).isEqualTo("BACKWARD");
    }

    @Test
    void shouldEncodeTheSubjectWhenItHasReservedCharacters() {
        client.register("a b/c-value", UsageEvent.getClassSchema());

        assertThat(last().path()).isEqualTo("/subjects/a%20b%2Fc-value/versions");
        assertThat(server.registry().subjects()).containsExactly("a b/c-value");
    }

    @Test
    void shouldSendNoAuthorizationWhenNoUserInfoIsGiven() {
        new HttpSchemaRegistryClient(server.url(), null, Duration.ofSeconds(5)).register(SUBJECT, UsageEvent.getClassSchema());

        assertThat(last().authorization()).isNull();
    }

    @Test
    void shouldUseTheFirstUrlWithoutTrailingSlashWhenGivenAList() {
        HttpSchemaRegistryClient listed = new HttpSchemaRegistryClient(server.url() + "/, http://other:1", null, Duration.ofSeconds(5));

        listed.register(SUBJECT, UsageEvent.getClassSchema());

        assertThat(listed.url()).isEqualTo(server.url());
        assertThat(last().path()).isEqualTo("/subjects/tollgate.usage.v1-value/versions");
    }

    @Test
    void shouldSayUnauthorizedWhenTheRegistryAnswers401() {
        server.answerNext(401, "{\"error_code\":40101,\"message\":\"Unauthorized\"}");

        assertThatThrownBy(() -> client.register(SUBJECT, UsageEvent.getClassSchema()))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAUTHORIZED))
                .hasMessageContaining(server.url()).hasMessageContaining("401").hasMessageContaining("Unauthorized");
    }

    @Test
    void shouldSayIncompatibleWhenTheRegistryAnswers409() {
        server.registry().register(SUBJECT, SpendTotal.getClassSchema());

        assertThatThrownBy(() -> client.register(SUBJECT, UsageEvent.getClassSchema()))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INCOMPATIBLE))
                .hasMessageContaining("answered 409").hasMessageContaining(SUBJECT);
    }

    @Test
    void shouldQuoteTheBodyWhenAnErrorAnswerIsNotJson() {
        server.answerNext(503, "upstream down");

        assertThatThrownBy(() -> client.getById(1))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.reason()).isEqualTo(Reason.SERVER_ERROR))
                .hasMessageContaining("answered 503").hasMessageContaining("upstream down");
    }

    @Test
    void shouldRefuseASuccessWhenItCarriesNoId() {
        server.answerNext(200, "{\"unexpected\":true}");

        assertThatThrownBy(() -> client.register(SUBJECT, UsageEvent.getClassSchema()))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.reason()).isEqualTo(Reason.SERVER_ERROR))
                .hasMessageContaining("without an integer 'id'");
    }

    @Test
    void shouldRefuseASchemaWhenTheRegistryReturnsInvalidAvro() {
        server.answerNext(200, "{\"schema\":\"{\\\"type\\\":\\\"nonsense\\\"}\"}");

        assertThatThrownBy(() -> client.getById(5))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_SCHEMA))
                .hasMessageContaining("schema id 5");
    }

    @Test
    void shouldNameTheUrlWhenTheRegistryIsUnreachable() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        HttpSchemaRegistryClient down = new HttpSchemaRegistryClient("http://127.0.0.1:" + port, null, Duration.ofSeconds(5));

        assertThatThrownBy(() -> down.getById(1))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE))
                .hasMessageContaining("http://127.0.0.1:" + port).hasMessageContaining("unreachable");
    }
}
