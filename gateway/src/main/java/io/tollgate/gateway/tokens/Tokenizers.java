package io.tollgate.gateway.tokens;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.Locale;
import java.util.Map;

/**
 * Maps a catalog tokenizer name to a {@link Tokenizer}. OpenAI encodings are exact. Other
 * families are estimated from cl100k_base with a per-family factor: rough ratios of each family's
 * token count to cl100k_base's on English prose and code (Claude's tokenizer yields more tokens,
 * Llama 3 and DeepSeek use BPE vocabularies of similar size). They are estimates, not measurements
 * of this build: events say ESTIMATED, and provider usage replaces them whenever it is reported.
 */
public final class Tokenizers {

    private static final Map<String, Double> FAMILY_FACTORS = Map.of(
            "claude", 1.20, "gemini", 1.05, "llama3", 1.00, "llama4", 1.00, "llama2", 1.15,
            "mistral", 1.10, "qwen", 1.05, "qwen3", 1.05, "deepseek", 1.05, "other", 1.15);

    private final EncodingRegistry registry = Encodings.newLazyEncodingRegistry();
    private final Map<String, Tokenizer> exact;

    public Tokenizers() {
        exact = Map.of(
                "o200k_base", exact("o200k_base", EncodingType.O200K_BASE),
                "cl100k_base", exact("cl100k_base", EncodingType.CL100K_BASE),
                "p50k_base", exact("p50k_base", EncodingType.P50K_BASE),
                "r50k_base", exact("r50k_base", EncodingType.R50K_BASE));
    }

    private Tokenizer exact(String name, EncodingType type) {
        return new Tokenizer(name, registry.getEncoding(type), 1.0, true, new CountMemo());
    }

    /** The tokenizer for a catalog name; unknown names are estimated like "other". */
    public Tokenizer forName(String name) {
        Tokenizer t = exact.get(name);
        if (t != null) {
            return t;
        }
        String n = name.toLowerCase(Locale.ROOT);
        t = exact.get(n);
        if (t != null) {
            return t;
        }
        double factor = FAMILY_FACTORS.getOrDefault(n, FAMILY_FACTORS.get("other"));
        Tokenizer base = exact.get("cl100k_base");
        // estimates count with cl100k_base, so they share its memo of counts
        return new Tokenizer(n, base.encoding(), factor, false, base.memo());
    }
}
