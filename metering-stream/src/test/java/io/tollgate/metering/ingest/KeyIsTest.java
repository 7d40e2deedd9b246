package io.tollgate.metering.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KeyIsTest {

    @Test
    void shouldAgreeWithDecodingTheKeyWhenKeysAndIdsAreAsciiUnicodeOrMalformed() {
        // Given ids and keys from a small alphabet of ASCII, accented, CJK, emoji and the replacement char, and raw
        // bytes that are not UTF-8 at all
        SplittableRandom random = new SplittableRandom(14);
        List<String> alphabet = List.of("a", "k", "-", "é", "中", "😀", "\uFFFD", "\u0000");
        for (int i = 0; i < 50_000; i++) {
            String id = word(random, alphabet);
            byte[] key = switch (random.nextInt(4)) {
                case 0 -> id.getBytes(StandardCharsets.UTF_8);
                case 1 -> word(random, alphabet).getBytes(StandardCharsets.UTF_8);
                case 2 -> {
                    byte[] raw = new byte[random.nextInt(4)];
                    random.nextBytes(raw);
                    yield raw;
                }
                default -> (id + word(random, alphabet)).getBytes(StandardCharsets.UTF_8);
            };

            // Then the comparison equals decoding the key and comparing strings
            assertThat(IngestProcessor.keyIs(key, id)).as("key %s, id %s", java.util.Arrays.toString(key), id)
                    .isEqualTo(new String(key, StandardCharsets.UTF_8).equals(id));
        }
    }

    private static String word(SplittableRandom random, List<String> alphabet) {
        StringBuilder b = new StringBuilder();
        for (int n = random.nextInt(4); n > 0; n--) {
            b.append(alphabet.get(random.nextInt(alphabet.size())));
        }
        return b.toString();
    }
}
