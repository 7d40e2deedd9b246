package io.tollgate.metering.dlq;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;

/**
 * Counters for records that were not counted: one per dead-letter reason
 * ({@code tollgate_metering_dead_letters_total{reason}}) and one for repeated event ids
 * ({@code tollgate_metering_duplicates_total}). Registered up front so dashboards see zeros.
 */
public final class DeadLetterMetrics {

    private final Map<DeadLetterReason, Counter> deadLetters = new EnumMap<>(DeadLetterReason.class);
    private final Counter duplicates;

    public DeadLetterMetrics(MeterRegistry registry) {
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            deadLetters.put(reason, Counter.builder("tollgate.metering.dead.letters")
                    .description("Usage records sent to the dead-letter topic, by reason")
                    .tag("reason", reason.name())
                    .register(registry));
        }
        duplicates = Counter.builder("tollgate.metering.duplicates")
                .description("Usage events whose eventId was already counted")
                .register(registry);
    }

    public void deadLetter(DeadLetterReason reason) {
        deadLetters.get(reason).increment();
    }

    public void duplicate() {
        duplicates.increment();
    }

    public double count(DeadLetterReason reason) {
        return deadLetters.get(reason).count();
    }

    public double duplicates() {
        return duplicates.count();
    }
}
