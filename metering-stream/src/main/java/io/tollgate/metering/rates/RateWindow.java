package io.tollgate.metering.rates;

import io.tollgate.policy.window.TrailingWindow;
import java.util.List;

/**
 * Trailing-minute arithmetic over the 1-second buckets of the rates store, done at query time, by the policy module's
 * one definition of a minute ({@link TrailingWindow}, the gateway's admission uses the same): a bucket starting at
 * {@code s} counts while {@code s <= now < s + 1 s + 60 s}.
 */
public final class RateWindow {

    private RateWindow() {
    }

    /** Requests and tokens of the trailing minute at {@code now}; {@code oldestBucket} is the oldest counted start. */
    public record Usage(long oldestBucket, long now, long requests, long tokens) {
    }

    /**
     * When a request would fit: {@code waitMillis} 0 means now; {@code fits} false means never under these
     * limits (the request alone is larger than the token limit), with the reason.
     */
    public record Wait(boolean fits, long waitMillis, String reason) {
    }

    public static Usage usage(Buckets buckets, long now) {
        long requests = 0;
        long tokens = 0;
        for (Buckets.Bucket b : buckets.buckets()) {
            if (TrailingWindow.counts(b.startMillis(), now)) {
                requests += b.requests();
                tokens += b.tokens();
            }
        }
        return new Usage(TrailingWindow.oldestCounted(now), now, requests, tokens);
    }

    /**
     * Time until one more request of {@code tokens} tokens fits under {@code rpm} and {@code tpm} (null =
     * unlimited), as buckets leave the trailing minute: the instant the last blocking bucket ages out.
     */
    public static Wait waitTime(Buckets buckets, long now, long tokens, Long rpm, Long tpm) {
        if (tokens < 0) {
            throw new IllegalArgumentException("tokens is " + tokens + "; expected zero or more");
        }
        if (rpm != null && rpm < 1) {
            return new Wait(false, 0, "rpm limit " + rpm + " admits no request");
        }
        if (tpm != null && tokens > tpm) {
            return new Wait(false, 0, "request of " + tokens + " tokens exceeds the tpm limit " + tpm + " on its own");
        }
        Usage usage = usage(buckets, now);
        long requests = usage.requests();
        long used = usage.tokens();
        if (fits(requests, used, tokens, rpm, tpm)) {
            return new Wait(true, 0, "fits now");
        }
        List<Buckets.Bucket> inWindow = buckets.buckets().stream()
                .filter(b -> TrailingWindow.counts(b.startMillis(), now)).toList();
        for (Buckets.Bucket b : inWindow) {
            requests -= b.requests();
            used -= b.tokens();
            if (fits(requests, used, tokens, rpm, tpm)) {
                return new Wait(true, TrailingWindow.ageOut(b.startMillis()) - now, "fits once the bucket at "
                        + b.startMillis() + " leaves the trailing minute");
            }
        }
        // only reachable with negative buckets in the window; once all have aged out the window is empty
        return new Wait(true, inWindow.isEmpty() ? 0 : TrailingWindow.ageOut(inWindow.getLast().startMillis()) - now,
                "fits once the trailing minute is empty");
    }

    private static boolean fits(long requests, long used, long tokens, Long rpm, Long tpm) {
        return (rpm == null || requests + 1 <= rpm) && (tpm == null || used + tokens <= tpm);
    }
}
