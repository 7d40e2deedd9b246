package io.tollgate.gateway.tokens;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/**
 * Token counts of texts an encoding has counted, for the texts agents send again and again: the same system prompt
 * on every call, a conversation's earlier turns on each new one. Looking a text up costs its hash and one
 * comparison; counting it costs byte-pair encoding, tens of times more. Keyed by the text itself, so a count is
 * never another text's. Bounded by the characters it holds ({@value #MAX_HELD_CHARS}); when full it starts
 * afresh. Texts longer than {@value #MAX_TEXT_CHARS} characters are counted every time.
 */
public final class CountMemo {

    static final int MAX_TEXT_CHARS = 8_192;
    static final long MAX_HELD_CHARS = 4_000_000;

    private final Map<String, Integer> counts = new ConcurrentHashMap<>();
    private final AtomicLong heldChars = new AtomicLong();

    /** {@code text}'s count by {@code counter}, from the memo when it holds the text. */
    int count(String text, ToIntFunction<String> counter) {
        if (text.length() > MAX_TEXT_CHARS) {
            return counter.applyAsInt(text);
        }
        Integer known = counts.get(text);
        if (known != null) {
            return known;
        }
        int n = counter.applyAsInt(text);
        if (heldChars.addAndGet(text.length()) > MAX_HELD_CHARS) {
            counts.clear();
            heldChars.set(text.length());
        }
        counts.put(text, n);
        return n;
    }

    int size() {
        return counts.size();
    }
}
