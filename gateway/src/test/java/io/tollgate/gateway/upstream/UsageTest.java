package io.tollgate.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.policy.usage.UsagePlausibility;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UsageTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Usage read(String usage) throws Exception {
        JsonNode node = JSON.readTree(usage);
        return Usage.from(node).orElseThrow();
    }

    private static Optional<UsagePlausibility.Reason> problem(String usage) throws Exception {
        return read(usage).problem(128_000, 16_384).map(UsagePlausibility.Problem::reason);
    }

    @Test
    void shouldAcceptUsageWhenItsFiguresArePossibleForTheModel() throws Exception {
        Usage u = read("{\"prompt_tokens\":1000,\"completion_tokens\":150,\"prompt_tokens_details\":{\"cached_tokens\":400}}");

        assertThat(u).isEqualTo(new Usage(1000, 150, 400));
        assertThat(u.problem(128_000, 16_384)).isEmpty();
    }

    @Test
    void shouldRefuseUsageBeyondTheModelsWindowWhenAProviderReportsAHugeFigure() throws Exception {
        assertThat(problem("{\"prompt_tokens\":10,\"completion_tokens\":900000000000000}"))
                .contains(UsagePlausibility.Reason.TOKENS_BEYOND_WINDOW);
        // a figure beyond a long is read as Long.MAX_VALUE, not wrapped
        assertThat(read("{\"prompt_tokens\":10,\"completion_tokens\":92233720368547758070}").completionTokens())
                .isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void shouldRefuseNegativeOrNonNumericFiguresWhenAProviderSendsThem() throws Exception {
        assertThat(problem("{\"prompt_tokens\":-5,\"completion_tokens\":10}")).contains(UsagePlausibility.Reason.NEGATIVE);
        Usage text = read("{\"prompt_tokens\":10,\"completion_tokens\":\"many\"}");
        assertThat(text.malformed()).contains("completion_tokens is \"many\"");
        assertThat(text.problem(128_000, 16_384)).get().extracting(UsagePlausibility.Problem::reason)
                .isEqualTo(UsagePlausibility.Reason.TOKENS_INCONSISTENT);
        assertThat(problem("{\"prompt_tokens\":10,\"completion_tokens\":5,\"prompt_tokens_details\":{\"cached_tokens\":11}}"))
                .contains(UsagePlausibility.Reason.TOKENS_INCONSISTENT);
    }
}
