package io.tollgate.gateway.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CountMemoTest {

    private final Tokenizers tokenizers = new Tokenizers();

    @Test
    void shouldCountAPromptTheSameWhenItsMessagesWereCountedBefore() throws Exception {
        // Given a conversation counted once (its texts now in the memo), for an exact and an estimated tokenizer
        JsonNode messages = new ObjectMapper().readTree("""
                [{"role": "system", "content": "You are a helpful assistant."},
                 {"role": "user", "content": [{"type": "text", "text": "Hello! Reply with one short friendly sentence."}]}]""");
        for (String name : new String[] {"o200k_base", "claude"}) {
            Tokenizer tokenizer = tokenizers.forName(name);
            int first = ChatTokenCounter.countPrompt(tokenizer, messages, null);

            // When it is counted again, Then the count is the same and the same as the encoding's
            assertThat(ChatTokenCounter.countPrompt(tokenizer, messages, null)).isEqualTo(first);
            assertThat(tokenizer.countRepeated("You are a helpful assistant."))
                    .isEqualTo(tokenizer.count("You are a helpful assistant."));
        }
        assertThat(tokenizers.forName("o200k_base").memo().size()).isEqualTo(4); // the roles are texts too
    }

    @Test
    void shouldEncodeATextOnceWhenItIsCountedAgain() {
        CountMemo memo = new CountMemo();
        AtomicInteger encoded = new AtomicInteger();

        memo.count("same system prompt", t -> encoded.incrementAndGet() * 0 + 3);
        int again = memo.count("same system prompt", t -> encoded.incrementAndGet() * 0 + 3);

        assertThat(again).isEqualTo(3);
        assertThat(encoded).hasValue(1);
    }

    @Test
    void shouldStartAfreshWhenTheTextsItHoldsWouldPassItsBound() {
        // Given a memo holding texts up to its bound
        CountMemo memo = new CountMemo();
        String text = "x".repeat(CountMemo.MAX_TEXT_CHARS);
        long fit = CountMemo.MAX_HELD_CHARS / text.length();
        for (int i = 0; i < fit; i++) {
            memo.count(i + text.substring(Integer.toString(i).length()), String::length);
        }
        assertThat(memo.size()).isEqualTo((int) fit);

        // When one more text would pass it, Then only that text is held
        memo.count("one more " + text.substring(9), String::length);
        assertThat(memo.size()).isEqualTo(1);
    }

    @Test
    void shouldNotHoldATextLongerThanItsLimitWhenCountingIt() {
        CountMemo memo = new CountMemo();

        int n = memo.count("y".repeat(CountMemo.MAX_TEXT_CHARS + 1), String::length);

        assertThat(n).isEqualTo(CountMemo.MAX_TEXT_CHARS + 1);
        assertThat(memo.size()).isZero();
    }
}
