package io.tollgate.gateway.call;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.gateway.routing.PromptFeatures;
import io.tollgate.gateway.routing.TextSignal;
import io.tollgate.gateway.routing.TextSignals;

/**
 * What a prompt asks for, computed once at the boundary for routing: the text of the user messages
 * is read in one pass and only counts leave ({@link TextSignal}); system, assistant and tool
 * messages count only through the prompt's tokens and the conversation's depth.
 *
 * <p>The pass walks each word through the trie of {@link PromptLexicon} (English, German, French,
 * Spanish word lists, matched by prefix or whole word; Chinese and Japanese entries matched anywhere),
 * and notes the text's shape on the way: code fences and code-like lines, list items, separators,
 * question marks, mathematical symbols, quantities. Pasted code inside ``` fences counts as code
 * lines only. The cost is linear in the text, without regular expressions or copies of it
 * (measured in docs/benchmarks-history.md, "Routing by complexity (issue 13)"). The pass runs when routing
 * first reads the signals, so only for calls that are scored.
 */
public final class PromptAnalysis {

    private PromptAnalysis() {
    }

    public static PromptFeatures features(ChatRequest request, int promptTokens) {
        int messages = 0;
        int lastUser = -1;
        for (JsonNode m : request.messages()) {
            if (m.path("role").asText("").equals("user")) {
                lastUser = messages;
            }
            messages++;
        }
        int turns = 0;
        int i = 0;
        for (JsonNode m : request.messages()) {
            String role = m.path("role").asText("");
            if (i < lastUser && (role.equals("user") || role.equals("assistant"))) {
                turns++;
            }
            i++;
        }
        int tools = request.tools() != null && request.tools().isArray() ? request.tools().size() : 0;
        // only scoring reads the text's signals (model "auto" or a tier name): a call naming its model skips the pass
        return new PromptFeatures(promptTokens, messages, turns, tools,
                request.maxTokens() == null ? 0 : request.maxTokens(), TextSignals.lazily(() -> userText(request)));
    }

    /** The signal counts of the user messages' text, in one pass. */
    private static int[] userText(ChatRequest request) {
        Scan scan = new Scan(PromptLexicon.shipped());
        for (JsonNode m : request.messages()) {
            if (m.path("role").asText("").equals("user")) {
                JsonNode content = m.get("content");
                if (content != null && content.isTextual()) {
                    scan.text(content.textValue());
                } else if (content != null && content.isArray()) {
                    for (JsonNode part : content) {
                        if (part.path("text").isTextual()) {
                            scan.text(part.get("text").textValue());
                        }
                    }
                }
            }
        }
        return scan.counts();
    }

    /** Counts of one request's user texts, and the state of the word being read. */
    private static final class Scan {
        private static final int WORDS = TextSignal.WORDS.ordinal();
        private static final int CJK_CHARS = TextSignal.CJK_CHARS.ordinal();
        private static final int MATERIAL_WORDS = TextSignal.MATERIAL_WORDS.ordinal();
        private static final int SENTENCES = TextSignal.SENTENCES.ordinal();
        private static final int CODE_BLOCKS = TextSignal.CODE_BLOCKS.ordinal();
        private static final int CODE_LINES = TextSignal.CODE_LINES.ordinal();
        private static final int MATH_SYMBOLS = TextSignal.MATH_SYMBOLS.ordinal();
        private static final int LIST_ITEMS = TextSignal.LIST_ITEMS.ordinal();
        private static final int SEPARATORS = TextSignal.SEPARATORS.ordinal();
        private static final int QUESTIONS = TextSignal.QUESTIONS.ordinal();
        private static final int QUANTITIES = TextSignal.QUANTITIES.ordinal();
        private static final int BRIEF = TextSignal.BRIEF.ordinal();
        private static final int ELABORATE = TextSignal.ELABORATE.ordinal();
        /** Multi-word entries followed at once: from the previous word, and from phrases it continued. */
        private static final int MAX_PHRASES = 4;
        /** Magnitudes and units that make a number a quantity of scale: 10k, 5M, 50 ms, 4 TB, 20k qps. */
        private static final String[] UNITS = {"k", "m", "b", "bn", "g", "t", "ms", "µs", "us", "ns", "sec", "kb", "mb",
                "gb", "tb", "pb", "qps", "rps", "tps", "rpm", "req"};
        private static final long LARGE = 1_000;
        /** "500 words": at this many or more the ask is for a long answer, below it for a short one. */
        private static final String[] WORD_UNITS = {"words", "word", "wörter", "wörtern", "worte", "mots", "mot",
                "palabras", "palabra"};
        private static final String[] PAGE_UNITS = {"pages", "page", "seiten", "seite", "páginas", "página"};
        private static final long LONG_WORDS = 300;
        private static final long LONG_PAGES = 2;

        final int[] counts = new int[TextSignal.values().length];
        private final PromptLexicon lexicon;
        private int materialCjk;

        // the word being read: its trie node (NONE once off the trie), the deepest entry passed
        private boolean inWord;
        private int wordStart;
        private int node;
        private int best;
        private int digits;
        private int letters;
        private long value;
        private boolean startsWithDigit;
        // the previous word, when it was a plain number (for "50 ms" and "500 words")
        private boolean afterNumber;
        private long previousNumber;
        // multi-word entries: walkers that started at a space edge after the previous word
        private final int[] phraseNode = new int[MAX_PHRASES];
        private final int[] phraseBest = new int[MAX_PHRASES];
        private int phrases;
        private final int[] nextPhrase = new int[MAX_PHRASES];
        private int nextPhrases;

        Scan(PromptLexicon lexicon) {
            this.lexicon = lexicon;
        }

        int[] counts() {
            counts[MATERIAL_WORDS] += materialCjk / 2;
            materialCjk = 0;
            return counts;
        }

        /** One user text: the ask until the first blank line or line ending with a colon, then material. */
        void text(String text) {
            boolean fence = false;
            boolean ask = true;
            boolean content = false;
            int n = text.length();
            int i = 0;
            while (i < n) {
                int end = text.indexOf('\n', i);
                if (end < 0) {
                    end = n;
                }
                int p = i;
                while (p < end && Character.isWhitespace(text.charAt(p))) {
                    p++;
                }
                if (text.startsWith("```", p) || text.startsWith("~~~", p)) {
                    if (!fence) {
                        counts[CODE_BLOCKS]++;
                    }
                    fence = !fence;
                    ask &= !content;
                } else if (fence) {
                    if (p < end) {
                        counts[CODE_LINES]++;
                    }
                } else if (p == end) {
                    ask &= !content;
                } else {
                    content = true;
                    shape(text, p, end);
                    if (ask) {
                        ask(text, p, end);
                        ask = !endsWithColon(text, p, end);
                    } else {
                        material(text, p, end);
                    }
                }
                i = end + 1;
            }
        }

        private static boolean endsWithColon(String text, int from, int to) {
            int last = to - 1;
            while (last > from && Character.isWhitespace(text.charAt(last))) {
                last--;
            }
            return text.charAt(last) == ':' || text.charAt(last) == '：';
        }

        /** List items and code-like line endings, in the ask and in the material. */
        private void shape(String text, int from, int to) {
            char first = text.charAt(from);
            if ((first == '-' || first == '*' || first == '•' || first == '·' || first == '+')
                    && from + 1 < to && text.charAt(from + 1) == ' ') {
                counts[LIST_ITEMS]++;
            } else if (isDigit(first)) {
                int p = from;
                while (p < to && p - from < 3 && isDigit(text.charAt(p))) {
                    p++;
                }
                if (p < to && (text.charAt(p) == '、'
                        || ((text.charAt(p) == '.' || text.charAt(p) == ')') && (p + 1 == to || text.charAt(p + 1) == ' ')))) {
                    counts[LIST_ITEMS]++;
                }
            } else if (first < 128 && Character.isLetter(first) && from + 2 < to && text.charAt(from + 1) == ')'
                    && text.charAt(from + 2) == ' ') {
                counts[LIST_ITEMS]++;
            }
            int last = to - 1;
            while (last > from && Character.isWhitespace(text.charAt(last))) {
                last--;
            }
            char end = text.charAt(last);
            if (end == ';' || end == '{' || end == '}') {
                counts[CODE_LINES]++;
            }
        }

        /** Material: words and mathematical symbols only. */
        private void material(String text, int from, int to) {
            boolean word = false;
            for (int j = from; j < to; j++) {
                char c = text.charAt(j);
                if (isCjk(c)) {
                    materialCjk++;
                    word = false;
                } else if (isMath(c)) {
                    counts[MATH_SYMBOLS]++;
                    word = false;
                } else if (Character.isLetterOrDigit(c) || c == '_') {
                    if (!word) {
                        counts[MATERIAL_WORDS]++;
                        word = true;
                    }
                } else {
                    word = false;
                }
            }
        }

        /** Words, lexicon entries and symbols of one line of the ask. */
        private void ask(String text, int from, int to) {
            phrases = 0;
            afterNumber = false;
            int cjkMatchedUntil = from;
            for (int j = from; j < to; j++) {
                char c = text.charAt(j);
                if (isCjk(c)) {
                    endWord(text, j, false);
                    counts[CJK_CHARS]++;
                    if (j >= cjkMatchedUntil) {
                        cjkMatchedUntil = matchCjk(text, j, to);
                    }
                } else if (isMath(c)) {
                    endWord(text, j, false);
                    counts[MATH_SYMBOLS]++;
                } else if (Character.isLetterOrDigit(c) || c == '_') {
                    letter(j, c);
                } else {
                    boolean soft = c == ' ' || c == '-' || c == '\'' || c == '’' || c == '\t' || c == '\r';
                    boolean digitBefore = j > from && isDigit(text.charAt(j - 1));
                    boolean digitAfter = j + 1 < to && isDigit(text.charAt(j + 1));
                    if ((c == '.' || c == ',') && digitBefore && digitAfter) {
                        continue; // 4,000 and 3.14 are one number
                    }
                    endWord(text, j, soft);
                    punctuation(text, j, from, to, c);
                    if (!soft) {
                        phrases = 0;
                        afterNumber = false;
                    }
                }
            }
            endWord(text, to, false);
            phrases = 0;
        }

        private void punctuation(String text, int j, int from, int to, char c) {
            switch (c) {
                case ',', ';', '，', '、', '；' -> counts[SEPARATORS]++;
                case '?', '？' -> {
                    counts[QUESTIONS]++;
                    counts[SENTENCES]++;
                }
                case '。', '！' -> counts[SENTENCES]++;
                case '.', '!' -> {
                    if (j + 1 == to || Character.isWhitespace(text.charAt(j + 1))) {
                        counts[SENTENCES]++;
                    }
                }
                case '^' -> {
                    if (j > from && Character.isLetterOrDigit(text.charAt(j - 1))) {
                        counts[MATH_SYMBOLS]++;
                    }
                }
                case '\\' -> {
                    if (j + 1 < to && Character.isLetter(text.charAt(j + 1))) {
                        counts[MATH_SYMBOLS]++;
                    }
                }
                default -> {
                }
            }
        }

        private void letter(int j, char c) {
            if (!inWord) {
                inWord = true;
                wordStart = j;
                node = PromptLexicon.root();
                best = PromptLexicon.NONE;
                digits = 0;
                letters = 0;
                value = 0;
                startsWithDigit = isDigit(c);
            }
            if (isDigit(c)) {
                digits++;
                value = Math.min(1_000_000_000L, value * 10 + (c - '0'));
            } else {
                letters++;
            }
            char lower = Character.toLowerCase(c);
            if (node != PromptLexicon.NONE) {
                node = lexicon.step(node, lower);
                if (node != PromptLexicon.NONE && lexicon.prefixSignal(node) != PromptLexicon.NONE) {
                    best = lexicon.prefixSignal(node);
                }
            }
            for (int k = 0; k < phrases; k++) {
                if (phraseNode[k] != PromptLexicon.NONE) {
                    phraseNode[k] = lexicon.step(phraseNode[k], lower);
                    if (phraseNode[k] != PromptLexicon.NONE && lexicon.prefixSignal(phraseNode[k]) != PromptLexicon.NONE) {
                        phraseBest[k] = lexicon.prefixSignal(phraseNode[k]);
                    }
                }
            }
        }

        /**
         * Counts the word that ends before {@code at} (its own entry, and any multi-word entry it
         * completes); after a soft separator the entries it may continue are followed into the next word.
         */
        private void endWord(String text, int at, boolean soft) {
            if (!inWord) {
                return;
            }
            inWord = false;
            counts[WORDS]++;
            count(node, best);
            nextPhrases = 0;
            follow(node);
            for (int k = 0; k < phrases; k++) {
                count(phraseNode[k], phraseBest[k]);
                follow(phraseNode[k]);
            }
            if (startsWithDigit && letters == 0 && value >= LARGE && !(digits == 4 && value >= 1900 && value <= 2100)) {
                counts[QUANTITIES]++; // 20,000 but not the year 2024
            } else if (startsWithDigit && letters > 0 && isOneOf(text, at - letters, at, UNITS)) {
                counts[QUANTITIES]++; // 10k, 5M, 50ms
            } else if (afterNumber) {
                if (isOneOf(text, wordStart, at, UNITS)) {
                    counts[QUANTITIES]++; // 50 ms
                } else if (isOneOf(text, wordStart, at, WORD_UNITS)) {
                    counts[previousNumber >= LONG_WORDS ? ELABORATE : BRIEF]++;
                } else if (isOneOf(text, wordStart, at, PAGE_UNITS)) {
                    counts[previousNumber >= LONG_PAGES ? ELABORATE : BRIEF]++;
                }
            }
            afterNumber = startsWithDigit && letters == 0;
            previousNumber = value;
            phrases = soft ? nextPhrases : 0;
            for (int k = 0; k < phrases; k++) {
                phraseNode[k] = nextPhrase[k];
                phraseBest[k] = PromptLexicon.NONE;
            }
        }

        private void count(int end, int deepestPrefix) {
            int signal = end != PromptLexicon.NONE && lexicon.exactSignal(end) != PromptLexicon.NONE
                    ? lexicon.exactSignal(end) : deepestPrefix;
            if (signal != PromptLexicon.NONE) {
                counts[signal]++;
            }
        }

        private void follow(int end) {
            if (end == PromptLexicon.NONE || nextPhrases == MAX_PHRASES) {
                return;
            }
            int next = lexicon.step(end, ' ');
            if (next != PromptLexicon.NONE) {
                nextPhrase[nextPhrases++] = next;
            }
        }

        /** The longest Chinese or Japanese entry starting at {@code from}; returns where matching may resume. */
        private int matchCjk(String text, int from, int to) {
            int at = PromptLexicon.root();
            int length = 0;
            int signal = PromptLexicon.NONE;
            for (int k = from; k < to && isCjk(text.charAt(k)); k++) {
                at = lexicon.step(at, text.charAt(k));
                if (at == PromptLexicon.NONE) {
                    break;
                }
                if (lexicon.prefixSignal(at) != PromptLexicon.NONE) {
                    length = k - from + 1;
                    signal = lexicon.prefixSignal(at);
                }
            }
            if (signal == PromptLexicon.NONE) {
                return from + 1;
            }
            counts[signal]++;
            return from + length;
        }

        private static boolean isOneOf(String text, int from, int to, String[] words) {
            int length = to - from;
            for (String w : words) {
                if (w.length() == length && text.regionMatches(true, from, w, 0, length)) {
                    return true;
                }
            }
            return false;
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        /** Han, kana and Hangul: scripts written without spaces between words. */
        private static boolean isCjk(char c) {
            return c >= 0x3040 && (c <= 0x30FF
                    || (c >= 0x3400 && c <= 0x4DBF)
                    || (c >= 0x4E00 && c <= 0x9FFF)
                    || (c >= 0xAC00 && c <= 0xD7AF)
                    || (c >= 0xF900 && c <= 0xFAFF)
                    || (c >= 0xFF66 && c <= 0xFF9F));
        }

        /** Greek letters, ± × ÷, super- and subscripts, letter-like sets (ℝ ℕ), arrows, operators (∀ ∫ ≤). */
        private static boolean isMath(char c) {
            if (c < 0xB1) {
                return false;
            }
            return c == 0xB1 || c == 0xB2 || c == 0xB3 || c == 0xD7 || c == 0xF7
                    || (c >= 0x03B1 && c <= 0x03C9)
                    || (c >= 0x2070 && c <= 0x209F)
                    || (c >= 0x2100 && c <= 0x214F)
                    || (c >= 0x2190 && c <= 0x22FF);
        }
    }
}
