package io.tollgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.gateway.call.ChatRequest;
import io.tollgate.gateway.call.GatewayError;
import io.tollgate.gateway.call.OpenAiErrors;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class OpenAiRequestsTest {

    private static GatewayError refuse(String body) {
        return catchThrowableOfType(GatewayError.class,
                () -> OpenAiRequests.chat(body.getBytes(StandardCharsets.UTF_8)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "malformed JSON        | {\"model\": \"m\",                                   |          | invalid_json",
            "empty body            |                                                       |          | invalid_json",
            "not an object         | [1,2]                                                 |          | invalid_json",
            "missing model         | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | model    | missing_required_parameter",
            "model of wrong type   | {\"model\":7,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | model | invalid_type",
            "missing messages      | {\"model\":\"m\"}                                    | messages | missing_required_parameter",
            "messages not an array | {\"model\":\"m\",\"messages\":\"hi\"}                 | messages | invalid_type",
            "empty messages        | {\"model\":\"m\",\"messages\":[]}                     | messages | empty_array",
            "message not object    | {\"model\":\"m\",\"messages\":[\"hi\"]}               | messages[0] | invalid_type",
            "unknown role          | {\"model\":\"m\",\"messages\":[{\"role\":\"boss\",\"content\":\"hi\"}]} | messages[0].role | invalid_value",
            "content a number      | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":5}]} | messages[0].content | invalid_type",
            "stream not boolean    | {\"model\":\"m\",\"stream\":\"yes\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | stream | invalid_type",
            "max_tokens fraction   | {\"model\":\"m\",\"max_tokens\":1.5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | max_tokens | invalid_type",
            "max_tokens zero       | {\"model\":\"m\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | max_tokens | invalid_value",
    })
    void shouldAnswer400InOpenAiShapeWhenTheBodyIsBad(String name, String body, String param, String code)
            throws Exception {
        // When
        GatewayError e = refuse(body == null ? "" : body);

        // Then
        assertThat(e).as(name).isNotNull();
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.param()).isEqualTo(param);
        assertThat(e.code()).isEqualTo(code);
        JsonNode json = new ObjectMapper().readTree(OpenAiErrors.json(e));
        assertThat(json.get("error").get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(json.get("error").get("message").asText()).isNotBlank();
        assertThat(json.get("error").has("param")).isTrue();
        assertThat(json.get("error").get("code").asText()).isEqualTo(code);
    }

    @Test
    void shouldTellWhereTheJsonBrokeWhenItIsMalformed() {
        assertThat(refuse("{\"model\": \"m\",\n \"messages\": [}").getMessage()).contains("line 2");
    }

    @Test
    void shouldKeepEverythingTheGatewayNeedsWhenTheBodyIsValid() {
        ChatRequest r = OpenAiRequests.chat(("{\"model\":\"sim-large\",\"stream\":true,\"max_completion_tokens\":64,"
                + "\"tools\":[{\"type\":\"function\"}],\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"temperature\":0.2}").getBytes(StandardCharsets.UTF_8));

        assertThat(r.model()).isEqualTo("sim-large");
        assertThat(r.stream()).isTrue();
        assertThat(r.maxTokens()).isEqualTo(64);
        assertThat(r.tools().size()).isEqualTo(1);
        assertThat(r.body().get("temperature").asDouble()).isEqualTo(0.2);
    }

    @Test
    void shouldRefuseEmbeddingsWithoutUsableInputWhenInputIsMissingOrEmpty() {
        GatewayError missing = catchThrowableOfType(GatewayError.class,
                () -> OpenAiRequests.embeddings("{\"model\":\"e\"}".getBytes(StandardCharsets.UTF_8)));
        GatewayError empty = catchThrowableOfType(GatewayError.class,
                () -> OpenAiRequests.embeddings("{\"model\":\"e\",\"input\":[]}".getBytes(StandardCharsets.UTF_8)));

        assertThat(missing.param()).isEqualTo("input");
        assertThat(empty.code()).isEqualTo("invalid_type");
    }
}
