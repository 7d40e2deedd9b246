package io.tollgate.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProviderAnswerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldReadUsageAndServedModelAndRenameOnlyTheTopLevelModelWhenTheProviderNamesItsOwnModel() {
        // Given an answer whose numbers and spacing a re-serialization would rewrite
        String body = "{\"id\":\"c1\", \"model\" : \"gpt-4o-mini-2024-07-18\",\"t\":1e2,\"choices\":[{\"message\":"
                + "{\"content\":\"Hi\",\"model\":\"inner\"}}],\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":10,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":3}}}";

        // When
        ProviderAnswer answer = ProviderAnswer.read(bytes(body));

        // Then
        assertThat(answer.usage()).contains(new Usage(19, 10, 3));
        assertThat(answer.servedModel()).isEqualTo("gpt-4o-mini-2024-07-18");
        assertThat(text(answer.relayedAs("gpt-4o-mini"))).isEqualTo(body.replace("\"gpt-4o-mini-2024-07-18\"",
                "\"gpt-4o-mini\""));
        assertThat(answer.completionTokens(String::length)).isEqualTo(2);
    }

    @Test
    void shouldRelayTheSameBytesWhenTheModelIsAlreadyTheCatalogId() {
        byte[] body = bytes("{\"model\":\"gpt-4o-mini\",\"choices\":[]}");

        assertThat(ProviderAnswer.read(body).relayedAs("gpt-4o-mini")).isSameAs(body);
    }

    /** Read as a parsed tree reads them: the last of a repeated field, nothing from a root that is no object. */
    @ParameterizedTest
    @ValueSource(strings = {
            "{\"model\":\"a\",\"model\":\"b\",\"usage\":{\"prompt_tokens\":1},\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":\"x\"}}",
            "{\"model\":null,\"usage\":null,\"choices\":[{\"message\":{\"content\":\"abc\"}},{\"message\":{\"content\":7}}]}",
            "{\"model\":{\"nested\":true},\"usage\":[1,2],\"choices\":{}}",
            "{\"model\":12,\"usage\":{\"prompt_tokens\":123456789012345678901234567890,\"completion_tokens\":-1}}",
            "{\"usage\":{\"completion_tokens\":5}}",
            "{\"usage\":{\"prompt_tokens\":null,\"prompt_tokens_details\":{\"cached_tokens\":2},\"prompt_tokens_details\":5}}",
            "{\"usage\":{\"prompt_tokens\":3,\"prompt_tokens_details\":{\"cached_tokens\":2.5,\"x\":[1]}}}",
            "{\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"prompt_tokens_details\":{\"cached_tokens\":1,\"cached_tokens\":2}}}",
            "[{\"model\":\"a\",\"usage\":{\"prompt_tokens\":1}}]",
            "\"just a string\"",
            "",
            "{\"model\":\"a\",\"usage\":{\"prompt_tokens\":1}",
            "not json at all",
            "{\"model\":\"a\"} trailing",
    })
    void shouldReadWhatAParsedTreeReadsWhenTheAnswerIsUnusual(String body) {
        ProviderAnswer answer = ProviderAnswer.read(bytes(body));
        JsonNode tree = tree(body);

        assertThat(answer.usage()).isEqualTo(tree == null ? Optional.empty() : Usage.from(tree.get("usage")));
        assertThat(answer.servedModel()).isEqualTo(tree != null && tree.hasNonNull("model")
                ? tree.get("model").asText() : null);
        assertThat(answer.completionTokens(String::length)).isEqualTo(tree == null ? 0 : completion(tree));
        boolean renamed = tree != null && tree.path("model").isTextual() && !tree.get("model").textValue().equals("c");
        assertThat(text(answer.relayedAs("c"))).isEqualTo(renamed ? body.replace(
                "\"model\":\"" + tree.get("model").textValue() + "\"}", "\"model\":\"c\"}")
                .replace("\"model\":\"b\"", "\"model\":\"c\"") : body);
    }

    private static int completion(JsonNode tree) {
        int n = 0;
        for (JsonNode choice : tree.path("choices")) {
            JsonNode content = choice.path("message").path("content");
            n += content.isTextual() ? content.textValue().length() : 0;
        }
        return n;
    }

    private static JsonNode tree(String body) {
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            return null;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
