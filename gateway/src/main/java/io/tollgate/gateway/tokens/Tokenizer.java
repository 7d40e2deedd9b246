package io.tollgate.gateway.tokens;

import com.knuddels.jtokkit.api.Encoding;
import io.tollgate.schemas.avro.TokenSource;

/**
 * A jtokkit encoding plus, for non-OpenAI families, a factor that turns its count into an
 * estimate of the family's own tokenizer. Exact tokenizers report {@link TokenSource#COUNTED},
 * estimates {@link TokenSource#ESTIMATED}.
 */
public record Tokenizer(String name, Encoding encoding, double factor, boolean exact) {

    public int count(String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        int n = encoding.countTokensOrdinary(text);
        return exact ? n : (int) Math.ceil(n * factor);
    }

    public TokenSource source() {
        return exact ? TokenSource.COUNTED : TokenSource.ESTIMATED;
    }
}
