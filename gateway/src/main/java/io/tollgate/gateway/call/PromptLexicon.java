package io.tollgate.gateway.call;

import io.tollgate.gateway.routing.TextSignal;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * The word lists of {@code routing/prompt-lexicon.txt} as a character trie, so that
 * {@link PromptAnalysis} matches every entry in one pass over the text: a word is walked from the
 * root one lower-case character at a time; a space edge continues a multi-word entry into the next
 * word. Immutable once built.
 */
final class PromptLexicon {

    static final String RESOURCE = "/routing/prompt-lexicon.txt";

    static final int NONE = -1;

    private static final TextSignal[] SIGNALS = TextSignal.values();

    private static final PromptLexicon SHIPPED = load();

    private final char[][] edges;
    private final int[][] targets;
    private final byte[] prefixSignal;
    private final byte[] exactSignal;

    private PromptLexicon(char[][] edges, int[][] targets, byte[] prefixSignal, byte[] exactSignal) {
        this.edges = edges;
        this.targets = targets;
        this.prefixSignal = prefixSignal;
        this.exactSignal = exactSignal;
    }

    static PromptLexicon shipped() {
        return SHIPPED;
    }

    static int root() {
        return 0;
    }

    /** The node after {@code c} (already lower case), or {@link #NONE}. */
    int step(int node, char c) {
        char[] keys = edges[node];
        int lo = 0;
        int hi = keys.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            char k = keys[mid];
            if (k < c) {
                lo = mid + 1;
            } else if (k > c) {
                hi = mid - 1;
            } else {
                return targets[node][mid];
            }
        }
        return NONE;
    }

    /** The signal of an entry that a word reaching this node starts with, or {@link #NONE}. */
    int prefixSignal(int node) {
        return prefixSignal[node];
    }

    /** The signal of an entry that a word ending at this node is exactly, or {@link #NONE}. */
    int exactSignal(int node) {
        return exactSignal[node];
    }

    static TextSignal signal(int ordinal) {
        return SIGNALS[ordinal];
    }

    private static PromptLexicon load() {
        try (InputStream in = PromptLexicon.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from the gateway jar; rebuild it");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** Lines {@code SIGNAL lang: entry, entry}; '#' starts a comment. */
    static PromptLexicon parse(String text) {
        Builder b = new Builder();
        String[] lines = text.split("\n");
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            String[] head = colon < 0 ? new String[0] : line.substring(0, colon).strip().split("\\s+");
            if (head.length != 2) {
                throw new IllegalArgumentException(RESOURCE + " line " + (n + 1) + ": '" + line
                        + "' is not 'SIGNAL lang: entry, entry, ...'");
            }
            TextSignal signal;
            try {
                signal = TextSignal.valueOf(head[0]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(RESOURCE + " line " + (n + 1) + ": unknown signal '" + head[0]
                        + "'; expected one of the lexical TextSignals", e);
            }
            if (!signal.lexical()) {
                throw new IllegalArgumentException(RESOURCE + " line " + (n + 1) + ": signal " + signal
                        + " is counted from the text's shape, not from words; use a lexical signal");
            }
            for (String raw : line.substring(colon + 1).split(",")) {
                String entry = raw.strip();
                if (!entry.isEmpty()) {
                    b.add(entry, signal, n + 1);
                }
            }
        }
        return b.build();
    }

    private static final class Builder {
        private final List<TreeMap<Character, Integer>> children = new ArrayList<>();
        private final List<Integer> prefix = new ArrayList<>();
        private final List<Integer> exact = new ArrayList<>();

        Builder() {
            node();
        }

        private int node() {
            children.add(new TreeMap<>());
            prefix.add(NONE);
            exact.add(NONE);
            return children.size() - 1;
        }

        void add(String rawEntry, TextSignal signal, int line) {
            boolean whole = rawEntry.endsWith("=");
            String entry = (whole ? rawEntry.substring(0, rawEntry.length() - 1) : rawEntry)
                    .toLowerCase(Locale.ROOT).replaceAll("[-'’\\s]+", " ").strip();
            if (entry.isEmpty()) {
                throw new IllegalArgumentException(RESOURCE + " line " + line + ": empty entry '" + rawEntry + "'");
            }
            int node = 0;
            for (int i = 0; i < entry.length(); i++) {
                char c = entry.charAt(i);
                Integer next = children.get(node).get(c);
                if (next == null) {
                    next = node();
                    children.get(node).put(c, next);
                }
                node = next;
            }
            List<Integer> slot = whole ? exact : prefix;
            int previous = slot.get(node);
            if (previous != NONE && previous != signal.ordinal()) {
                throw new IllegalArgumentException(RESOURCE + " line " + line + ": entry '" + rawEntry + "' is listed for "
                        + SIGNALS[previous] + " and " + signal + "; an entry belongs to one signal");
            }
            slot.set(node, signal.ordinal());
        }

        PromptLexicon build() {
            int size = children.size();
            char[][] edges = new char[size][];
            int[][] targets = new int[size][];
            byte[] prefixSignal = new byte[size];
            byte[] exactSignal = new byte[size];
            for (int n = 0; n < size; n++) {
                TreeMap<Character, Integer> c = children.get(n);
                edges[n] = new char[c.size()];
                targets[n] = new int[c.size()];
                int i = 0;
                for (var e : c.entrySet()) {
                    edges[n][i] = e.getKey();
                    targets[n][i] = e.getValue();
                    i++;
                }
                prefixSignal[n] = (byte) (int) prefix.get(n);
                exactSignal[n] = (byte) (int) exact.get(n);
            }
            return new PromptLexicon(edges, targets, prefixSignal, exactSignal);
        }
    }
}
