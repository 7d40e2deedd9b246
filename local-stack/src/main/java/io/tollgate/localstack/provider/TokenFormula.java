package io.tollgate.localstack.provider;

import java.util.List;

/**
 * The simulated provider's deterministic token arithmetic, public so tests can compute the exact
 * numbers it will report.
 *
 * <ul>
 *   <li>Text: {@code ceil(codePoints / 4)} tokens (0 for empty text), about OpenAI's rule of thumb.</li>
 *   <li>Chat prompt: {@code 3 + sum over messages of (3 + text tokens of its content)}, the shape of
 *       OpenAI's per-message overhead; array contents count their {@code text} parts joined.</li>
 *   <li>Embeddings: the sum of the text tokens of each input.</li>
 *   <li>Completion: exactly N tokens, with N from the {@code X-Simulated-Completion-Tokens} header,
 *       else {@code max_completion_tokens}/{@code max_tokens}, else the model's
 *       {@link Behaviour#completionTokens()}. The text is N words from a fixed list, each one
 *       token in both cl100k_base and o200k_base, so local tokenizers count N too.</li>
 * </ul>
 */
public final class TokenFormula {

    /** Each entry is one token in cl100k_base and o200k_base, also when concatenated. */
    private static final String[] WORDS = {" the", " quick", " brown", " fox", " jumps", " over", " lazy", " dog",
        " and", " then", " runs", " back", " home", " to", " rest", " again", " while", " we", " count", " every",
        " token", " once", " more", " simulated", " answer"};
    private static final String FIRST_WORD = "Sure";

    private TokenFormula() {
    }

    public static long textTokens(String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        long codePoints = text.codePointCount(0, text.length());
        return (codePoints + 3) / 4;
    }

    /** Prompt tokens of a chat request whose messages have these (flattened) contents. */
    public static long chatPromptTokens(List<String> messageContents) {
        long tokens = 3;
        for (String content : messageContents) {
            tokens += 3 + textTokens(content);
        }
        return tokens;
    }

    public static long embeddingTokens(List<String> inputs) {
        long tokens = 0;
        for (String input : inputs) {
            tokens += textTokens(input);
        }
        return tokens;
    }

    /** Token {@code index} (0-based) of every completion. */
    public static String completionToken(int index) {
        return index == 0 ? FIRST_WORD : WORDS[(index - 1) % WORDS.length];
    }

    /** The whole completion text of {@code tokens} tokens. */
    public static String completionText(int tokens) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < tokens; i++) {
            text.append(completionToken(i));
        }
        return text.toString();
    }
}
