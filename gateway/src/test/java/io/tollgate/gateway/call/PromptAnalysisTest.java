package io.tollgate.gateway.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.tollgate.gateway.routing.PromptFeatures;
import io.tollgate.gateway.routing.TextSignal;
import org.junit.jupiter.api.Test;

class PromptAnalysisTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static PromptFeatures user(String text) {
        ArrayNode messages = JSON.createArrayNode();
        messages.addObject().put("role", "user").put("content", text);
        return PromptAnalysis.features(new ChatRequest("auto", messages, null, false, null, null, null), 10);
    }

    private static int count(String text, TextSignal signal) {
        return user(text).text().count(signal);
    }

    @Test
    void shouldMatchAnEntryAsAWordPrefixWhenTheEntryHasNoEquals() {
        assertThat(count("Implementing it, then the implementation.", TextSignal.BUILD)).isEqualTo(2);
        assertThat(count("Implementiere den Dienst.", TextSignal.BUILD)).isEqualTo(1);
    }

    @Test
    void shouldMatchOnlyTheWholeWordWhenTheEntryEndsWithEquals() {
        assertThat(count("Hi there", TextSignal.CHAT)).isEqualTo(1);
        assertThat(count("History and hiking", TextSignal.CHAT)).isZero();
    }

    @Test
    void shouldMatchMultiWordEntriesAcrossSpacesHyphensAndApostrophes() {
        assertThat(count("a lock-free queue", TextSignal.SYSTEMS)).isEqualTo(1);
        assertThat(count("Explain it step by step.", TextSignal.EXPLAIN)).isEqualTo(2);
        assertThat(count("What's the time? What is love?", TextSignal.FACT_QUESTION)).isEqualTo(2);
        // a comma breaks a phrase
        assertThat(count("lock, free", TextSignal.SYSTEMS)).isZero();
    }

    @Test
    void shouldMatchChineseAndJapaneseEntriesWithoutWordBoundaries() {
        PromptFeatures zh = user("用 Go 实现一个分布式锁服务，并编写测试。");
        PromptFeatures ja = user("Goで分散合意アルゴリズムを実装し、テストも書いてください。");

        assertThat(zh.text().count(TextSignal.BUILD)).isEqualTo(2); // 实现, 编写
        assertThat(zh.text().count(TextSignal.SYSTEMS)).isEqualTo(2); // 分布式, 锁服务
        assertThat(zh.text().count(TextSignal.DELIVERABLES)).isEqualTo(1); // 测试
        assertThat(zh.text().count(TextSignal.CJK_CHARS)).isGreaterThan(10);
        assertThat(ja.text().count(TextSignal.BUILD)).isEqualTo(1); // 実装
        assertThat(ja.text().count(TextSignal.SYSTEMS)).isEqualTo(1); // 分散合意, the longest entry
        assertThat(ja.text().count(TextSignal.DELIVERABLES)).isEqualTo(1); // テスト
    }

    @Test
    void shouldCountCodeLinesButNoWordsWhenTextIsFenced() {
        PromptFeatures f = user("Fix this:\n```java\nclass Raft { // distributed consensus\n  int term;\n}\n```");

        assertThat(f.text().count(TextSignal.CODE_BLOCKS)).isEqualTo(1);
        assertThat(f.text().count(TextSignal.CODE_LINES)).isEqualTo(3);
        assertThat(f.text().count(TextSignal.SYSTEMS)).isZero();
    }

    @Test
    void shouldCountOnlyWordsOfTheMaterialAfterTheAsk() {
        PromptFeatures f = user("Translate this into German:\n\nOur distributed database guarantees consistency.\n"
                + "It must never lose data.");

        assertThat(f.text().count(TextSignal.SIMPLE_TASK)).isEqualTo(1);
        assertThat(f.text().count(TextSignal.WORDS)).isEqualTo(4);
        assertThat(f.text().count(TextSignal.MATERIAL_WORDS)).isEqualTo(10);
        assertThat(f.text().count(TextSignal.SYSTEMS)).isZero();
        assertThat(f.text().count(TextSignal.CONSTRAINTS)).isZero();
    }

    @Test
    void shouldCountListItemsInTheAskAndTheMaterial() {
        PromptFeatures f = user("Requirements:\n- exactly once\n- 20k writes per second\n1. audit log\n2) backups\n");

        assertThat(f.text().count(TextSignal.LIST_ITEMS)).isEqualTo(4);
    }

    @Test
    void shouldCountQuantitiesOfScaleButNotYearsOrSmallNumbers() {
        PromptFeatures f = user("Serve 20,000 users in 2024 at 50 ms with 10k qps and 3 replicas, 4.5M rows.");

        assertThat(f.text().count(TextSignal.QUANTITIES)).isEqualTo(4); // 20,000; 50 ms; 10k; 4.5M
    }

    @Test
    void shouldReadTheRequestedLengthWhenTheAskGivesAWordCount() {
        assertThat(count("Write an essay of 1,500 words.", TextSignal.ELABORATE)).isEqualTo(1);
        assertThat(count("Answer in under 20 words.", TextSignal.BRIEF)).isEqualTo(1);
    }

    @Test
    void shouldCountQuestionsSentencesSeparatorsAndMathSymbols() {
        PromptFeatures f = user("Is f continuous on ℝ? Prove that ∀x, f(x) ≤ x². Then stop.");

        assertThat(f.text().count(TextSignal.QUESTIONS)).isEqualTo(1);
        assertThat(f.text().count(TextSignal.SENTENCES)).isEqualTo(3);
        assertThat(f.text().count(TextSignal.SEPARATORS)).isEqualTo(1);
        assertThat(f.text().count(TextSignal.MATH_SYMBOLS)).isEqualTo(4); // ℝ ∀ ≤ ²
    }

    @Test
    void shouldReadOnlyUserMessagesAndCountTurnsAndTools() throws Exception {
        ArrayNode messages = (ArrayNode) JSON.readTree("""
                [{"role": "system", "content": "You implement distributed systems."},
                 {"role": "user", "content": "hello"},
                 {"role": "assistant", "content": "Hi! How can I help?"},
                 {"role": "user", "content": [{"type": "text", "text": "thanks"}]}]""");
        ArrayNode tools = (ArrayNode) JSON.readTree("[{\"type\": \"function\", \"function\": {\"name\": \"a\"}},"
                + "{\"type\": \"function\", \"function\": {\"name\": \"b\"}}]");

        PromptFeatures f = PromptAnalysis.features(new ChatRequest("auto", messages, tools, false, 300, null, null), 42);

        assertThat(f.promptTokens()).isEqualTo(42);
        assertThat(f.messageCount()).isEqualTo(4);
        assertThat(f.conversationDepth()).isEqualTo(2);
        assertThat(f.toolCount()).isEqualTo(2);
        assertThat(f.requestedMaxTokens()).isEqualTo(300);
        assertThat(f.text().count(TextSignal.CHAT)).isEqualTo(2); // hello, thanks; not the assistant's "Hi"
        assertThat(f.text().count(TextSignal.BUILD)).isZero();
        assertThat(f.text().count(TextSignal.SYSTEMS)).isZero();
    }

    @Test
    void shouldRejectALexiconWhenAnEntryBelongsToTwoSignals() {
        assertThatThrownBy(() -> PromptLexicon.parse("BUILD en: build\nDESIGN en: build\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'build'")
                .hasMessageContaining("BUILD").hasMessageContaining("DESIGN").hasMessageContaining("line 2");
    }

    @Test
    void shouldRejectALexiconLineWhenItNamesAShapeSignal() {
        assertThatThrownBy(() -> PromptLexicon.parse("WORDS en: word\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("WORDS");
    }
}
