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
            "max_tokens zero       | {\"model\":\"m\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | max_tokens | integer_below_min_value",
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
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
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
        assertThat(empty.code()).isEqualTo("empty_array");
    }

    private static final String HI = ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "temperature a string  | \"temperature\":\"hot\"             | temperature | invalid_type",
            "temperature above 2   | \"temperature\":2.5                   | temperature | decimal_above_max_value",
            "top_p below 0         | \"top_p\":-0.1                        | top_p | decimal_below_min_value",
            "n zero                | \"n\":0                               | n | integer_below_min_value",
            "n fraction            | \"n\":1.5                             | n | invalid_type",
            "presence_penalty 3    | \"presence_penalty\":3                | presence_penalty | decimal_above_max_value",
            "frequency_penalty -3  | \"frequency_penalty\":-3              | frequency_penalty | decimal_below_min_value",
            "logit_bias an array   | \"logit_bias\":[1]                    | logit_bias | invalid_type",
            "logit_bias bad key    | \"logit_bias\":{\"abc\":1}          | logit_bias | invalid_value",
            "logit_bias above 100  | \"logit_bias\":{\"50256\":101}      | logit_bias.50256 | integer_above_max_value",
            "logprobs a string     | \"logprobs\":\"true\"               | logprobs | invalid_type",
            "top_logprobs 21       | \"top_logprobs\":21                   | top_logprobs | integer_above_max_value",
            "max_completion -1     | \"max_completion_tokens\":-1          | max_completion_tokens | integer_below_min_value",
            "stop a number         | \"stop\":5                            | stop | invalid_type",
            "stop five strings     | \"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"] | stop | array_above_max_length",
            "stop array of numbers | \"stop\":[1]                          | stop[0] | invalid_type",
            "seed a decimal        | \"seed\":1.5                          | seed | invalid_type",
            "response_format str   | \"response_format\":\"json\"        | response_format | invalid_type",
            "response_format type  | \"response_format\":{\"type\":\"xml\"} | response_format.type | invalid_value",
            "json_schema no name   | \"response_format\":{\"type\":\"json_schema\",\"json_schema\":{}} | response_format.json_schema.name | missing_required_parameter",
            "tools an object       | \"tools\":{}                          | tools | invalid_type",
            "tool without function | \"tools\":[{\"type\":\"function\"}] | tools[0].function | missing_required_parameter",
            "tool bad name         | \"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a b\"}}] | tools[0].function.name | invalid_value",
            "tool parameters str   | \"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":\"x\"}}] | tools[0].function.parameters | invalid_type",
            "tool_choice unknown   | \"tool_choice\":\"always\"          | tool_choice | invalid_value",
            "tool_choice no name   | \"tool_choice\":{\"type\":\"function\",\"function\":{}} | tool_choice.function.name | missing_required_parameter",
            "parallel_tool_calls 1 | \"parallel_tool_calls\":1             | parallel_tool_calls | invalid_type",
            "user a number         | \"user\":42                           | user | invalid_type",
            "stream_options str    | \"stream\":true,\"stream_options\":\"x\" | stream_options | invalid_type",
            "include_usage string  | \"stream\":true,\"stream_options\":{\"include_usage\":\"yes\"} | stream_options.include_usage | invalid_type",
            "stream_options alone  | \"stream_options\":{\"include_usage\":true} | stream_options | invalid_value",
            "metadata number value | \"metadata\":{\"a\":1}               | metadata.a | invalid_type",
            "modalities unknown    | \"modalities\":[\"video\"]           | modalities[0] | invalid_value",
            "reasoning_effort num  | \"reasoning_effort\":1                | reasoning_effort | invalid_type",
            "service_tier bool     | \"service_tier\":true                 | service_tier | invalid_type",
            "temperature 1e400     | \"temperature\":1e400                 | temperature | decimal_above_max_value",
            "seed beyond a long    | \"seed\":-99999999999999999999        | seed | integer_below_min_value",
            "n beyond a long       | \"n\":99999999999999999999            | n | integer_above_max_value",
    })
    void shouldNameTheParameterWhenAnOptionalParameterHasTheWrongTypeOrRange(String name, String parameter,
                                                                             String param, String code) {
        GatewayError e = refuse("{\"model\":\"m\"," + parameter + HI + "}");

        assertThat(e).as(name).isNotNull();
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.param()).as(name).isEqualTo(param);
        assertThat(e.code()).as(name).isEqualTo(code);
        assertThat(e.getMessage()).as(name).contains(param);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "part not an object    | {\"role\":\"user\",\"content\":[\"hi\"]}                        | messages[0].content[0] | invalid_type",
            "part without type     | {\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}             | messages[0].content[0].type | missing_required_parameter",
            "part of unknown type  | {\"role\":\"user\",\"content\":[{\"type\":\"video\"}]}          | messages[0].content[0].type | invalid_value",
            "text part no text     | {\"role\":\"user\",\"content\":[{\"type\":\"text\"}]}           | messages[0].content[0].text | missing_required_parameter",
            "text part number      | {\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":1}]} | messages[0].content[0].text | invalid_type",
            "image without url     | {\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{}}]} | messages[0].content[0].image_url.url | missing_required_parameter",
            "image bad detail      | {\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"u\",\"detail\":\"max\"}}]} | messages[0].content[0].image_url.detail | invalid_value",
            "audio bad format      | {\"role\":\"user\",\"content\":[{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"d\",\"format\":\"ogg\"}}]} | messages[0].content[0].input_audio.format | invalid_value",
            "file without data     | {\"role\":\"user\",\"content\":[{\"type\":\"file\",\"file\":{\"filename\":\"a\"}}]} | messages[0].content[0].file | missing_required_parameter",
            "image part for system | {\"role\":\"system\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"u\"}}]} | messages[0].content[0].type | invalid_value",
            "empty parts           | {\"role\":\"user\",\"content\":[]}                               | messages[0].content | empty_array",
            "user without content  | {\"role\":\"user\"}                                                | messages[0].content | missing_required_parameter",
            "assistant nothing     | {\"role\":\"assistant\"}                                           | messages[0].content | missing_required_parameter",
            "tool without call id  | {\"role\":\"tool\",\"content\":\"r\"}                           | messages[0].tool_call_id | missing_required_parameter",
            "tool call no args     | {\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"f\"}}]} | messages[0].tool_calls[0].function.arguments | missing_required_parameter",
            "name a number         | {\"role\":\"user\",\"content\":\"hi\",\"name\":5}               | messages[0].name | invalid_type",
            "role missing          | {\"content\":\"hi\"}                                               | messages[0].role | missing_required_parameter",
    })
    void shouldNameThePartWhenAMessageIsMalformed(String name, String message, String param, String code) {
        GatewayError e = refuse("{\"model\":\"m\",\"messages\":[" + message + "]}");

        assertThat(e).as(name).isNotNull();
        assertThat(e.param()).as(name).isEqualTo(param);
        assertThat(e.code()).as(name).isEqualTo(code);
    }

    @Test
    void shouldAcceptEveryDocumentedShapeAndLeaveUnknownParametersWhenTheRequestIsValid() {
        String body = "{\"model\":\"m\",\"temperature\":0,\"top_p\":1,\"n\":2,\"presence_penalty\":-2,"
                + "\"frequency_penalty\":2,\"logit_bias\":{\"50256\":-100},\"logprobs\":true,\"top_logprobs\":20,"
                + "\"max_completion_tokens\":5,\"stop\":[\"a\",\"b\"],\"seed\":-9007199254740993,"
                + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"s_1\",\"schema\":{},\"strict\":true}},"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get-weather\",\"parameters\":{\"type\":\"object\"}}}],"
                + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get-weather\"}},\"parallel_tool_calls\":false,"
                + "\"user\":\"u\",\"stream\":true,\"stream_options\":{\"include_usage\":false},\"metadata\":{\"k\":\"v\"},"
                + "\"reasoning_effort\":\"a-future-effort\",\"x_vendor_extension\":{\"anything\":[1,\"two\"]},"
                + "\"messages\":[{\"role\":\"developer\",\"content\":[{\"type\":\"text\",\"text\":\"be brief\"}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"see\",\"cache_control\":{\"type\":\"ephemeral\"}},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/y.png\",\"detail\":\"low\"}},"
                + "{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"AAA=\",\"format\":\"wav\"}},"
                + "{\"type\":\"file\",\"file\":{\"file_id\":\"file-1\"}}]},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get-weather\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"sunny\"},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"refusal\",\"refusal\":\"no\"}]}]}";

        ChatRequest r = OpenAiRequests.chat(body.getBytes(StandardCharsets.UTF_8));

        assertThat(r.includeUsage()).isFalse();
        assertThat(r.maxTokens()).isEqualTo(5);
        assertThat(new String(r.raw(), StandardCharsets.UTF_8)).isEqualTo(body);
    }

    @Test
    void shouldRefuseAFieldGivenTwiceWhenTheProviderMightReadItOtherwise() {
        GatewayError e = refuse("{\"model\":\"sim-small\",\"model\":\"sim-large\"" + HI + "}");

        assertThat(e.code()).isEqualTo("invalid_json");
        assertThat(e.getMessage()).contains("model");
    }

    @Test
    void shouldRefuseWithInvalidJsonNamingTheDepthWhenTheBodyNestsTooDeep() {
        String deep = "[".repeat(OpenAiRequests.MAX_NESTING_DEPTH + 1) + "]".repeat(OpenAiRequests.MAX_NESTING_DEPTH + 1);

        GatewayError e = refuse("{\"model\":\"m\",\"x\":" + deep + HI + "}");

        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("invalid_json");
        assertThat(e.getMessage()).contains(Integer.toString(OpenAiRequests.MAX_NESTING_DEPTH));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "empty string          | \"input\":\"\"                     | input | invalid_value",
            "number                | \"input\":5                          | input | invalid_type",
            "mixed array           | \"input\":[\"a\",1]                | input[1] | invalid_type",
            "negative token        | \"input\":[1,-2]                     | input[1] | integer_below_min_value",
            "empty token array     | \"input\":[[]]                       | input[0] | empty_array",
            "array of objects      | \"input\":[{}]                       | input[0] | invalid_type",
            "encoding_format xml   | \"input\":\"a\",\"encoding_format\":\"xml\" | encoding_format | invalid_value",
            "dimensions zero       | \"input\":\"a\",\"dimensions\":0  | dimensions | integer_below_min_value",
            "user object           | \"input\":\"a\",\"user\":{}       | user | invalid_type",
    })
    void shouldNameTheParameterWhenAnEmbeddingsRequestIsMalformed(String name, String fields, String param,
                                                                 String code) {
        GatewayError e = catchThrowableOfType(GatewayError.class, () -> OpenAiRequests.embeddings(
                ("{\"model\":\"e\"," + fields + "}").getBytes(StandardCharsets.UTF_8)));

        assertThat(e).as(name).isNotNull();
        assertThat(e.param()).as(name).isEqualTo(param);
        assertThat(e.code()).as(name).isEqualTo(code);
    }

    @Test
    void shouldAcceptEveryInputShapeWhenEmbeddingsAreValid() {
        for (String input : new String[] {"\"a\"", "[\"a\",\"b\"]", "[1,2,3]", "[[1,2],[3]]"}) {
            ChatRequest r = OpenAiRequests.embeddings(("{\"model\":\"e\",\"input\":" + input
                    + ",\"encoding_format\":\"base64\",\"dimensions\":8,\"user\":\"u\"}").getBytes(StandardCharsets.UTF_8));
            assertThat(r.messages().toString()).isEqualTo(input);
        }
    }
}
