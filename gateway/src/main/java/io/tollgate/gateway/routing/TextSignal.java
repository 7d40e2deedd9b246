package io.tollgate.gateway.routing;

/**
 * What {@code PromptAnalysis} counts in the user messages of a request. The first group is read
 * from the text's shape, the same in every language; the {@linkplain #lexical() lexical} group
 * counts words of {@code routing/prompt-lexicon.txt} (English, German, French, Spanish, Chinese,
 * Japanese), so that only counts, never words, leave the boundary.
 *
 * <p>Each user message is split into its <em>ask</em>, the text up to the first blank line or the
 * first line ending with a colon, and the <em>material</em> after it (a pasted document, data,
 * code): words and lexicon entries are counted in the ask only, the material counts as
 * {@link #MATERIAL_WORDS}; list items, code and mathematical symbols count in both.
 */
public enum TextSignal {
    /** Words of the ask (letters and digits; Chinese and Japanese characters are counted apart). */
    WORDS(false),
    /** Chinese, Japanese and Korean characters of the ask. */
    CJK_CHARS(false),
    /** Words of the material, outside code fences; two Chinese or Japanese characters count as one. */
    MATERIAL_WORDS(false),
    /** Sentences of the ask (. ! ? and their full-width forms). */
    SENTENCES(false),
    /** ``` fenced blocks. */
    CODE_BLOCKS(false),
    /** Lines inside fences, and lines outside that end like code ({@code ; { }}). */
    CODE_LINES(false),
    /** Mathematical symbols (∀ ∫ ≤ ℝ π ² ...), LaTeX commands, {@code ^} between operands. */
    MATH_SYMBOLS(false),
    /** Lines that start a bullet or numbered item: the listed requirements of a task. */
    LIST_ITEMS(false),
    /** Commas and semicolons of the ask (also ，、；): enumerated parts of a task. */
    SEPARATORS(false),
    /** Question marks of the ask. */
    QUESTIONS(false),
    /** Numbers of scale in the ask: 1,000 or more (years 1900-2100 aside), or with a magnitude or unit (10k, 5M, 50 ms, 4 TB). */
    QUANTITIES(false),
    /** Verbs that ask to construct software: implement, build, develop, migrate, refactor. */
    BUILD(true),
    /** Design and architecture words. */
    DESIGN(true),
    /** Proof and derivation words. */
    PROOF(true),
    /** Analysis and judgement words: analyse, evaluate, compare, root cause, trade-off. */
    ANALYSIS(true),
    /** Hard engineering domains: distributed, consensus, concurrency, latency, security, compiler. */
    SYSTEMS(true),
    /** School and undergraduate mathematics: equation, matrix, probability, integral. */
    MATH_TERMS(true),
    /** Advanced mathematics: group theory, compactness, measure, olympiad inequalities, undecidability. */
    ADVANCED_MATH(true),
    /** Expert domains beyond software: law and compliance, finance, medicine, statistics, machine learning, safety. */
    EXPERT(true),
    /** Deliverables beyond an answer: tests, benchmark, documentation, production, complete, from scratch. */
    DELIVERABLES(true),
    /** Requirement wording: must, without, guarantee, at least, within. */
    CONSTRAINTS(true),
    /** Explanation requests: explain, why, describe, summarise. */
    EXPLAIN(true),
    /** Writing requests: write, draft, essay, letter, story. */
    COMPOSE(true),
    /** Mechanical tasks: translate, fix spelling, convert, classify, extract, set a timer. */
    SIMPLE_TASK(true),
    /** Greetings and thanks. */
    CHAT(true),
    /** Asks for a short answer: one sentence, briefly, quick, or fewer than 300 words. */
    BRIEF(true),
    /** Asks for a long answer: detailed, comprehensive, in depth, or 300 words or more, two pages or more. */
    ELABORATE(true),
    /** Factual question openings: what is, who wrote, how many, when. */
    FACT_QUESTION(true);

    private final boolean lexical;

    TextSignal(boolean lexical) {
        this.lexical = lexical;
    }

    /** True when counted from the word lists of {@code routing/prompt-lexicon.txt}. */
    public boolean lexical() {
        return lexical;
    }
}
