package io.tollgate.cli.fault;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Asks some queries every {@code interval} and keeps each round's outcome, to measure how long queries failed (the
 * query gap) while an instance was killed and its work moved. A round is answered when every query answered 200.
 * The service asked may change between rounds (e.g. any metering instance still alive).
 */
public final class QueryProbe implements AutoCloseable {

    /** One round: when, and the worst status (200 when every query was answered; 0: one got no answer). */
    public record Ask(long atMillis, int status) {
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
                for (String query : queries) {
                    int answered = asked.get(query).status();
                    if (answered != 200) {
                        status = answered;
                        break;
                    }
                }
                asks.add(new Ask(at, status));
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
            if (ask.status() != 200 && failingSince == null) {
                failingSince = ask.atMillis();
            } else if (ask.status() == 200 && failingSince != null) {
                longest = Math.max(longest, ask.atMillis() - failingSince);
                failingSince = null;
            }
        }
        if (failingSince != null) {
            longest = Math.max(longest, last - failingSince);
        }
        return Duration.ofMillis(longest);
    }

    /** Failed asks so far. */
    public long failures() {
        return asks.stream().filter(a -> a.status() != 200).count();
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
