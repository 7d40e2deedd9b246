package io.tollgate.gateway.tokens;

import com.knuddels.jtokkit.api.Encoding;
import io.tollgate.schemas.avro.TokenSource;

/**
 * A jtokkit encoding plus, for non-OpenAI families, a factor that turns its count into an
 * estimate of the family's own tokenizer. Exact tokenizers report {@link TokenSource#COUNTED},
 * estimates {@link TokenSource#ESTIMATED}. {@code memo} holds the encoding's counts of prompt texts
 * ({@link #countRepeated}).
 */
public record Tokenizer(String name, Encoding encoding, double factor, boolean exact, CountMemo memo) {

    public int count(String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        return scaled(encoding.countTokensOrdinary(text));
    }

    /**
     * The same as {@link #count}, for a text likely to be sent again (a prompt's messages): its count is
     * kept and looked up rather than encoded anew.
     */
    public int countRepeated(String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        return scaled(memo.count(text, encoding::countTokensOrdinary));
    }

    private int scaled(int n) {
        return exact ? n : (int) Math.ceil(n * factor);
    }

    public TokenSource source() {
        return exact ? TokenSource.COUNTED : TokenSource.ESTIMATED;
    }
}
