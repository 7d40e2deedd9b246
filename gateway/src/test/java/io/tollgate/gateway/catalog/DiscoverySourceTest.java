package io.tollgate.gateway.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DiscoverySourceTest {

    @Test
    void shouldReadLimitsPricesAndTokenizerWhenOpenRouterListsAModel() throws IOException {
        // Given OpenRouter's /api/v1/models shape (prices in dollars per token)
        String body = """
                {"data": [{"id": "deepseek/deepseek-r1-0528", "context_length": 163840,
                  "architecture": {"tokenizer": "DeepSeek"},
                  "pricing": {"prompt": "0.0000005", "completion": "0.00000215", "input_cache_read": "0"},
                  "top_provider": {"max_completion_tokens": 32768}}]}""";

        // When
        Map<String, ModelFacts> models = DiscoverySource.parse(body, DiscoverySource.Kind.OPENROUTER, "openrouter");

        // Then
        assertThat(models.get("deepseek/deepseek-r1-0528")).isEqualTo(new ModelFacts(163_840, 32_768, "deepseek",
                500_000L, 2_150_000L, 0L, null, "openrouter", null));
    }

    @Test
    void shouldReadIdsAndVllmContextWhenAnOpenAiStyleServerListsModels() throws IOException {
        String body = "{\"object\":\"list\",\"data\":[{\"id\":\"llama-3.1-8b\",\"max_model_len\":8192},{\"id\":\"x\"}]}";

        Map<String, ModelFacts> models = DiscoverySource.parse(body, DiscoverySource.Kind.OPENAI, "vllm");

        assertThat(models.get("llama-3.1-8b").contextWindow()).isEqualTo(8192);
        assertThat(models.get("x").provider()).isEqualTo("vllm");
        assertThat(models.get("x").contextWindow()).isNull();
    }

    @Test
    void shouldStayWithinTheCapWhenBackingOffAfterManyFailures() {
        for (int failures = 1; failures < 40; failures++) {
            long delay = DiscoverySource.backoffMillis(failures, 60_000);
            assertThat(delay).isBetween(0L, 60_000L);
        }
        assertThat(DiscoverySource.backoffMillis(1, 60_000)).isBetween(500L, 1_000L);
    }
}
