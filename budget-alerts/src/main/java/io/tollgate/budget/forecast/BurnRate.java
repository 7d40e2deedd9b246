package io.tollgate.budget.forecast;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Burn rate of a budget from successive spend totals, and when it will run out at that rate.
 * The rate is the spend gained between the oldest and the newest sample of the trailing window
 * (default one hour) divided by the time between them, so a short burst weighs as much as the
 * money it spent, not as its momentary speed.
 *
 * @param window  how far back samples count
 * @param minSpan the shortest time between oldest and newest sample for a prediction; below it a
 *                single burst would extrapolate wildly
 * @param spacing samples closer together than this replace each other, which bounds the list to
 *                about window / spacing entries
 */
public record BurnRate(Duration window, Duration minSpan, Duration spacing) {

    /** The samples after adding one; stale samples (older than the newest) are ignored. */
    public List<Sample> record(List<Sample> samples, Sample sample) {
        List<Sample> next = new ArrayList<>(samples.size() + 1);
        long horizon = sample.at() - window.toMillis();
        for (Sample s : samples) {
            if (s.at() > sample.at()) {
                return samples;
            }
            if (s.at() >= horizon) {
                next.add(s);
            }
        }
        int n = next.size();
        if (n >= 2 && next.get(n - 1).at() - next.get(n - 2).at() < spacing.toMillis()) {
            next.set(n - 1, sample);
        } else {
            next.add(sample);
        }
        return List.copyOf(next);
    }

    /** Micro-dollars per hour over the window, or empty when the samples span less than {@link #minSpan}. */
    public OptionalLong microsPerHour(List<Sample> samples) {
        if (samples.size() < 2) {
            return OptionalLong.empty();
        }
        Sample oldest = samples.getFirst();
        Sample newest = samples.getLast();
        long span = newest.at() - oldest.at();
        if (span < minSpan.toMillis()) {
            return OptionalLong.empty();
        }
        double perMilli = (double) (newest.spendMicros() - oldest.spendMicros()) / span;
        return OptionalLong.of(Math.round(perMilli * Duration.ofHours(1).toMillis()));
    }

    /**
     * When spend reaches {@code limitMicros} at the current rate, counted from the newest sample;
     * empty when there is no rate yet, spend is not rising, or the limit is already reached.
     */
    public OptionalLong exhaustionAt(List<Sample> samples, long limitMicros) {
        if (samples.size() < 2) {
            return OptionalLong.empty();
        }
        Sample oldest = samples.getFirst();
        Sample newest = samples.getLast();
        long span = newest.at() - oldest.at();
        long gained = newest.spendMicros() - oldest.spendMicros();
        long remaining = limitMicros - newest.spendMicros();
        if (span < minSpan.toMillis() || gained <= 0 || remaining <= 0) {
            return OptionalLong.empty();
        }
        double millisLeft = (double) remaining * span / gained;
        return OptionalLong.of(newest.at() + (long) Math.ceil(millisLeft));
    }
}
