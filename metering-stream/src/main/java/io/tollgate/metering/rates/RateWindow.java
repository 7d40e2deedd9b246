package io.tollgate.metering.rates;

import java.time.Duration;
import java.util.List;

/**
 * Trailing-minute arithmetic over 1-second buckets, done at query time. The minute ending at {@code now}
 * holds the buckets that start in {@code (now - 60 s, now]}: an event at the start of a bucket counts for
 * 59.999 s and is gone at 60 s (an event inside a bucket leaves up to 1 s earlier, the bucket resolution).
 */
public final class RateWindow {

    public static final long WINDOW_MILLIS = Duration.ofMinutes(1).toMillis();

    private RateWindow() {
    }

    /** Requests and tokens of the trailing minute ending at {@code now}. */
    public record Usage(long windowStartExclusive, long now, long requests, long tokens) {
    }

    /**
     * When a request would fit: {@code waitMillis} 0 means now; {@code fits} false means never under these
     * limits (the request alone is larger than the token limit), with the reason.
     */
    public record Wait(boolean fits, long waitMillis, String reason) {
    }

    public static Usage usage(Buckets buckets, long now) {
        long from = now - WINDOW_MILLIS;
        long requests = 0;
        long tokens = 0;
        for (Buckets.Bucket b : buckets.buckets()) {
            if (b.startMillis() > from && b.startMillis() <= now) {
                requests += b.requests();
                tokens += b.tokens();
            }
        }
        return new Usage(from, now, requests, tokens);
    }

    /**
     * Time until one more request of {@code tokens} tokens fits under {@code rpm} and {@code tpm} (null =
     * unlimited), as buckets leave the trailing minute. Like get_wait_time of the seed documents, but exact
     * to the bucket: the answer is the instant the last blocking bucket ages out.
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
                .filter(b -> b.startMillis() > now - WINDOW_MILLIS && b.startMillis() <= now).toList();
        for (Buckets.Bucket b : inWindow) {
            requests -= b.requests();
            used -= b.tokens();
            if (fits(requests, used, tokens, rpm, tpm)) {
                return new Wait(true, b.startMillis() + WINDOW_MILLIS - now, "fits once the bucket at "
                        + b.startMillis() + " leaves the trailing minute");
            }
        }
        // only reachable with negative buckets in the window; once all have aged out the window is empty
        return new Wait(true, inWindow.isEmpty() ? 0 : inWindow.getLast().startMillis() + WINDOW_MILLIS - now,
                "fits once the trailing minute is empty");
    }

    private static boolean fits(long requests, long used, long tokens, Long rpm, Long tpm) {
        return (rpm == null || requests + 1 <= rpm) && (tpm == null || used + tokens <= tpm);
    }
}
