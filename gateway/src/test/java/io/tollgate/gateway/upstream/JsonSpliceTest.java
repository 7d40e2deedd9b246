package io.tollgate.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonSpliceTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Optional<byte[]> b) {
        return new String(b.orElseThrow(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldReplaceOnlyTheTopLevelModelWhenOtherBytesMustStayAsWritten() {
        // Given a nested "model", odd spacing and numbers a re-serialization would rewrite
        String json = "{\"meta\":{\"model\":\"inner\"},\"t\":1e2, \"model\" : \"sim-large\",\"x\":0.10000000000000000001}";

        // When
        String out = text(JsonSplice.withString(bytes(json), 0, "model", "gpt-\"4o\""));

        // Then
        assertThat(out).isEqualTo(
                "{\"meta\":{\"model\":\"inner\"},\"t\":1e2, \"model\" : \"gpt-\\\"4o\\\"\",\"x\":0.10000000000000000001}");
    }

    @Test
    void shouldReplaceTheModelOfAnSseDataLineWhenGivenTheOffsetOfItsPayload() {
        String line = "data: {\"id\":\"c1\",\"model\":\"upstream-name\",\"choices\":[]}";

        String out = text(JsonSplice.withString(bytes(line), 5, "model", "catalog-id"));

        assertThat(out).isEqualTo("data: {\"id\":\"c1\",\"model\":\"catalog-id\",\"choices\":[]}");
    }

    @Test
    void shouldReportNothingWhenTheFieldIsMissingOrNotAString() {
        assertThat(JsonSplice.withString(bytes("{\"a\":1}"), 0, "model", "x")).isEmpty();
        assertThat(JsonSplice.withString(bytes("{\"model\":1}"), 0, "model", "x")).isEmpty();
        assertThat(JsonSplice.withString(bytes("[1]"), 0, "model", "x")).isEmpty();
        assertThat(JsonSplice.withString(bytes("{\"model\":"), 0, "model", "x")).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "absent          | {\"model\":\"m\",\"t\":1e2}                                   | {\"model\":\"m\",\"t\":1e2,\"stream_options\":{\"include_usage\":true}}",
            "null            | {\"stream_options\":null,\"model\":\"m\"}                     | {\"stream_options\":{\"include_usage\":true},\"model\":\"m\"}",
            "empty object    | {\"stream_options\":{},\"model\":\"m\"}                       | {\"stream_options\":{\"include_usage\":true},\"model\":\"m\"}",
            "other option    | {\"stream_options\":{\"x\":1.50},\"model\":\"m\"}             | {\"stream_options\":{\"include_usage\":true,\"x\":1.50},\"model\":\"m\"}",
            "false           | {\"stream_options\":{\"include_usage\":false},\"model\":\"m\"} | {\"stream_options\":{\"include_usage\":true},\"model\":\"m\"}",
            "already true    | {\"stream_options\":{\"include_usage\":true}}                 | {\"stream_options\":{\"include_usage\":true}}",
    })
    void shouldAskForUsageWhateverTheAgentSentWhenStreaming(String name, String in, String expected) {
        assertThat(text(JsonSplice.withIncludeUsage(bytes(in)))).as(name).isEqualTo(expected);
    }

    @Test
    void shouldAddANumberFieldAtTheEndOrReplaceItWhereItIsWhenSettingALong() {
        assertThat(text(JsonSplice.withLong(bytes("data: {\"a\":1e2}"), 6, "cost", 42))).isEqualTo("data: {\"a\":1e2,\"cost\":42}");
        assertThat(text(JsonSplice.withLong(bytes("{ }"), 0, "cost", 7))).isEqualTo("{ \"cost\":7}");
        assertThat(text(JsonSplice.withLong(bytes("{\"cost\":\"x\",\"b\":2}"), 0, "cost", -3)))
                .isEqualTo("{\"cost\":-3,\"b\":2}");
        assertThat(JsonSplice.withLong(bytes("[1]"), 0, "cost", 1)).isEmpty();
    }
}
