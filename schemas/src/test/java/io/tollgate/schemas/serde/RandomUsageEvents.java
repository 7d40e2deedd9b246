package io.tollgate.schemas.serde;

import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.Endpoint;
import io.tollgate.schemas.avro.ErrorKind;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.TokenSource;
import io.tollgate.schemas.avro.UsageEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Random UsageEvents that reach the corners SampleRecords' RandomData does not: unicode, extremes, nulls. */
final class RandomUsageEvents {

    static final List<String> STRINGS = List.of("", "acme", "team-7", "gpt-4o", "ünïcødé", "日本語のテナント",
            "emoji 😀 and 𝄞", "nul\u0000inside", "\u0000", "x".repeat(64), "y".repeat(65),
            "long 😀 ".repeat(40), "\uD83D\uDE00", "€", "a\tb\nc");

    private RandomUsageEvents() {
    }

    static List<UsageEvent> of(int count, long seed) {
        Random random = new Random(seed);
        List<UsageEvent> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            UsageEvent e = new UsageEvent();
            e.setEventId(string(random));
            e.setCallId(string(random));
            e.setAttempt(anInt(random));
            e.setPhase(Phase.values()[i % Phase.values().length]);
            e.setTimestamp(Instant.ofEpochMilli(aLong(random)));
            e.setGatewayId(string(random));
            e.setEndpoint(Endpoint.values()[i % Endpoint.values().length]);
            e.setApiKeyId(string(random));
            e.setTenant(string(random));
            e.setTeam(string(random));
            e.setAgent(string(random));
            e.setConversationId(nullable(random, string(random)));
            e.setRequestedModel(string(random));
            e.setModel(string(random));
            e.setProvider(string(random));
            e.setServedModel(nullable(random, string(random)));
            e.setStream(random.nextBoolean());
            e.setFallback(random.nextBoolean());
            e.setFallbackFrom(nullable(random, string(random)));
            e.setRoutingReason(nullable(random, string(random)));
            e.setComplexityScore(nullable(random, aDouble(random)));
            e.setRoutedTier(nullable(random, string(random)));
            e.setReservedPromptTokens(aLong(random));
            e.setReservedCompletionTokens(aLong(random));
            e.setReservedTokens(aLong(random));
            e.setReservedCostMicros(aLong(random));
            e.setPromptTokens(aLong(random));
            e.setCachedPromptTokens(aLong(random));
            e.setCompletionTokens(aLong(random));
            e.setTotalTokens(aLong(random));
            e.setCostMicros(aLong(random));
            e.setTokenSource(TokenSource.values()[i % TokenSource.values().length]);
            e.setPriceSource(string(random));
            e.setInputPriceMicrosPerMillion(aLong(random));
            e.setOutputPriceMicrosPerMillion(aLong(random));
            e.setCachedInputPriceMicrosPerMillion(aLong(random));
            e.setStatus(CallStatus.values()[i % CallStatus.values().length]);
            e.setErrorKind(ErrorKind.values()[i % ErrorKind.values().length]);
            e.setHttpStatus(anInt(random));
            e.setLatencyMs(aLong(random));
            e.setTimeToFirstTokenMs(nullable(random, aLong(random)));
            e.setRoutingFeatures(nullable(random, string(random)));
            e.setSubAgent(nullable(random, string(random)));
            e.setContextWindow(anInt(random));
            e.setMaxOutputTokens(anInt(random));
            e.setUsageNote(nullable(random, string(random)));
            events.add(e);
        }
        return events;
    }

    static <V> V nullable(Random random, V value) {
        return random.nextInt(4) == 0 ? null : value;
    }

    static String string(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> STRINGS.get(random.nextInt(STRINGS.size()));
            case 1 -> "id-" + random.nextInt(20);
            default -> random.ints(random.nextInt(30), 1, 0x2FFFF)
                    .filter(cp -> cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE)
                    .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        };
    }

    static int anInt(Random random) {
        return switch (random.nextInt(6)) {
            case 0 -> Integer.MIN_VALUE;
            case 1 -> Integer.MAX_VALUE;
            case 2 -> 0;
            case 3 -> -1;
            case 4 -> random.nextInt(200) - 100;
            default -> random.nextInt();
        };
    }

    static long aLong(Random random) {
        return switch (random.nextInt(7)) {
            case 0 -> Long.MIN_VALUE;
            case 1 -> Long.MAX_VALUE;
            case 2 -> 0L;
            case 3 -> -1L;
            case 4 -> random.nextInt(200) - 100;
            case 5 -> 1L << random.nextInt(63);
            default -> random.nextLong();
        };
    }

    static double aDouble(Random random) {
        return switch (random.nextInt(6)) {
            case 0 -> Double.NaN;
            case 1 -> -0.0;
            case 2 -> Double.NEGATIVE_INFINITY;
            case 3 -> Double.MIN_VALUE;
            default -> random.nextDouble();
        };
    }
}
