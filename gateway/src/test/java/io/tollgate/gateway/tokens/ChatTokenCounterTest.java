package io.tollgate.gateway.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.schemas.avro.TokenSource;
import org.junit.jupiter.api.Test;

/**
 * Known counts from OpenAI's cookbook "How to count tokens with tiktoken": the example
 * conversation below is 129 prompt tokens for gpt-3.5-turbo / gpt-4 (cl100k_base) and 124 for
 * gpt-4o / gpt-4o-mini (o200k_base), as the OpenAI API reported them.
 */
class ChatTokenCounterTest {

    private static final String COOKBOOK_MESSAGES = """
            [
              {"role": "system", "content": "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},
              {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
              {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
              {"role": "system", "name": "example_user", "content": "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."},
              {"role": "system", "name": "example_assistant", "content": "Let's talk later when we're less busy about how to do better."},
              {"role": "user", "content": "This late pivot means we don't have time to boil the ocean for the client deliverable."}
            ]""";

    private final Tokenizers tokenizers = new Tokenizers();

    @Test
    void shouldCount129PromptTokensWhenTheCookbookExampleIsEncodedWithCl100k() throws Exception {
        JsonNode messages = new ObjectMapper().readTree(COOKBOOK_MESSAGES);
        assertThat(ChatTokenCounter.countPrompt(tokenizers.forName("cl100k_base"), messages, null)).isEqualTo(129);
    }

    @Test
    void shouldCount124PromptTokensWhenTheCookbookExampleIsEncodedWithO200k() throws Exception {
        JsonNode messages = new ObjectMapper().readTree(COOKBOOK_MESSAGES);
        assertThat(ChatTokenCounter.countPrompt(tokenizers.forName("o200k_base"), messages, null)).isEqualTo(124);
    }

    @Test
    void shouldCountTiktokensReadmeExampleWhenGivenPlainText() {
        // tiktoken's README: "hello world" is [15339, 1917] in cl100k_base
        assertThat(tokenizers.forName("cl100k_base").count("hello world")).isEqualTo(2);
        assertThat(tokenizers.forName("cl100k_base").count("")).isZero();
    }

    @Test
    void shouldEstimateAndSaySoWhenTheFamilyIsNotOpenAi() {
        Tokenizer claude = tokenizers.forName("claude");
        int base = tokenizers.forName("cl100k_base").count("The quick brown fox jumps over the lazy dog.");

        assertThat(claude.source()).isEqualTo(TokenSource.ESTIMATED);
        assertThat(claude.count("The quick brown fox jumps over the lazy dog.")).isEqualTo((int) Math.ceil(base * 1.2));
        assertThat(tokenizers.forName("o200k_base").source()).isEqualTo(TokenSource.COUNTED);
    }

    @Test
    void shouldCountTextPartsWhenContentIsAnArrayOfParts() throws Exception {
        JsonNode parts = new ObjectMapper().readTree(
                "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hello world\"}]}]");
        // 3 (message) + 1 ("user") + 2 ("hello world") + 3 (reply priming)
        assertThat(ChatTokenCounter.countPrompt(tokenizers.forName("cl100k_base"), parts, null)).isEqualTo(9);
    }
}
