package io.tollgate.cli.fault;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Asks some queries every {@code interval} and keeps each round's outcome, to measure how long queries failed (the
 * query gap) while an instance was killed and its work moved. A round is answered when every query was answered:
 * 2xx, or 4xx (404: nothing counted for that key yet, is an answer); 5xx (503: unavailable) or no answer at all is
 * a failure. The service asked may change between rounds (e.g. any metering instance still alive).
 */
public final class QueryProbe implements AutoCloseable {

    /** One round: when, and the status of its first failed query (200 when every query was answered; 0: no answer). */
    public record Ask(long atMillis, int status, String detail) {

        public boolean answered() {
            return status >= 200 && status < 500;
        }
    }

    private final List<Ask> asks = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    public QueryProbe(Supplier<ServiceProcess> service, List<String> queries, Duration interval) {
        this.thread = Thread.ofPlatform().daemon().name("query-probe").start(() -> {
            while (running) {
                long at = System.currentTimeMillis();
                ServiceProcess asked = service.get();
                int status = 200;
                String detail = "";
                for (String query : queries) {
                    ServiceProcess.Answer answer = asked.get(query);
                    Ask one = new Ask(at, answer.status(), query + " -> " + answer.body());
                    if (!one.answered()) {
                        status = one.status();
                        detail = one.detail();
                        break;
                    }
                }
                asks.add(new Ask(at, status, detail));
                LockSupport.parkNanos(interval.toNanos());
            }
        });
    }

    public List<Ask> asks() {
        return List.copyOf(asks);
    }

    /**
     * The longest time queries failed: from the first failed ask of a run of failures to the next answered ask (to
     * the last ask when none answered after it). Zero when every ask was answered.
     */
    public Duration longestGap() {
        long longest = 0;
        Long failingSince = null;
        long last = 0;
        for (Ask ask : asks) {
            last = ask.atMillis();
            if (!ask.answered() && failingSince == null) {
                failingSince = ask.atMillis();
            } else if (ask.answered() && failingSince != null) {
                longest = Math.max(longest, ask.atMillis() - failingSince);
                failingSince = null;
            }
        }
        if (failingSince != null) {
            longest = Math.max(longest, last - failingSince);
        }
        return Duration.ofMillis(longest);
    }

    /** What the first failed round was answered, for a report; empty when none failed. */
    public String firstFailure() {
        return asks.stream().filter(a -> !a.answered()).findFirst().map(a -> a.status() + " " + a.detail()).orElse("");
    }

    /** Failed asks so far. */
    public long failures() {
        return asks.stream().filter(a -> !a.answered()).count();
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
