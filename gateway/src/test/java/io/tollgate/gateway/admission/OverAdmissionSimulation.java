package io.tollgate.gateway.admission;

import io.tollgate.gateway.routing.Caller;
import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.avro.UsageBucket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * A deterministic, simulated-time model of a burst against several gateway instances sharing one
 * key: each instance has its own {@link QuotaAdmission} and {@link QuotaView}; the metering stream
 * is modelled as a view that shows every admission {@code lagMillis} after it happened (commit
 * interval + fetch). Clients wait as told ({@link AdmissionDecision.Wait}) and try again; a call
 * takes {@code callMillis}. The result is the most calls admitted in any 60-second window.
 *
 * <p>Run as a program for the table in BENCHMARKS.md:
 * {@code java -cp <test classpath> io.tollgate.gateway.admission.OverAdmissionSimulation}.
 */
public final class OverAdmissionSimulation {

    static final String KEY = "k-burst";
    static final String MODEL = "sim-large";
    private static final Caller CALLER = new Caller(KEY, "acme", "t", "a", "burst", null);

    /** What one run produced. */
    public record Result(int gateways, int instancesSetting, long lagMillis, int admitted, int maxInAnyWindow,
                         long lastAdmissionMillis) {
        int overAdmissions(long limit) {
            return (int) Math.max(0, maxInAnyWindow - limit);
        }
    }

    private record Attempt(long at, int client) {
    }

    private OverAdmissionSimulation() {
    }

    /**
     * @param gateways         instances the clients are spread over (client i uses instance i mod gateways)
     * @param instancesSetting {@link QuotaAdmission.Settings#instances()} of every instance
     * @param lagMillis        how long an admission takes to show in the views
     */
    public static Result run(int gateways, int instancesSetting, long lagMillis, long rpm, int requests, int clients,
                             long callMillis, long horizonMillis) {
        List<QuotaView> views = new ArrayList<>();
        List<QuotaAdmission> admissions = new ArrayList<>();
        LimitResolver limits = new LimitResolver();
        limits.putTier("burst", Map.of("*", new RateLimits(rpm, null, null, null)));
        for (int g = 0; g < gateways; g++) {
            QuotaView view = new QuotaView();
            views.add(view);
            admissions.add(new QuotaAdmission(view, limits,
                    QuotaAdmission.Settings.defaults().withInstances(instancesSetting)
                            .withReflectionBound(Math.max(lagMillis + 1, 1_000))));
        }
        int[] left = new int[clients];
        for (int i = 0; i < requests; i++) {
            left[i % clients]++;
        }
        PriorityQueue<Attempt> queue = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
                : Integer.compare(a.client, b.client));
        for (int c = 0; c < clients; c++) {
            if (left[c] > 0) {
                queue.add(new Attempt(0, c));
            }
        }
        List<Long> admittedAt = new ArrayList<>();
        while (!queue.isEmpty()) {
            Attempt attempt = queue.poll();
            if (attempt.at > horizonMillis) {
                break;
            }
            int gateway = attempt.client % gateways;
            publish(views.get(gateway), admittedAt, attempt.at - lagMillis);
            AdmissionDecision decision = admissions.get(gateway).tryAdmit(CALLER, MODEL, 0, attempt.at);
            switch (decision) {
                case AdmissionDecision.Admitted admitted -> {
                    admittedAt.add(attempt.at);
                    if (--left[attempt.client] > 0) {
                        queue.add(new Attempt(attempt.at + callMillis, attempt.client));
                    }
                }
                case AdmissionDecision.Wait wait -> queue.add(new Attempt(attempt.at + wait.waitMillis(), attempt.client));
                case AdmissionDecision.Refused refused ->
                        throw new IllegalStateException("no refusal expected in a burst without daily limits: " + refused);
            }
        }
        return new Result(gateways, instancesSetting, lagMillis, admittedAt.size(), maxInWindow(admittedAt, 60_000),
                admittedAt.isEmpty() ? 0 : admittedAt.get(admittedAt.size() - 1));
    }

    /** Writes what the metering stream would have published by {@code asOf}: admissions at or before it. */
    private static void publish(QuotaView view, List<Long> admittedAt, long asOf) {
        TreeMap<Long, Long> perSecond = new TreeMap<>();
        long lastEvent = 0;
        for (long at : admittedAt) {
            if (at <= asOf && at > asOf - 62_000) {
                perSecond.merge(Math.floorDiv(at, 1000) * 1000, 1L, Long::sum);
                lastEvent = Math.max(lastEvent, at);
            }
        }
        List<UsageBucket> buckets = new ArrayList<>();
        perSecond.forEach((start, n) -> buckets.add(UsageBucket.newBuilder().setStartMillis(start).setRequests(n)
                .setTokens(0).build()));
        QuotaStatus all = QuotaStatus.newBuilder().setApiKeyId(KEY).setModel("*").setBucketMillis(1000)
                .setBuckets(buckets).setUpdatedAt(asOf).setLastEventTime(lastEvent).build();
        view.apply(KEY + "|*", all);
    }

    static int maxInWindow(List<Long> times, long windowMillis) {
        List<Long> sorted = new ArrayList<>(times);
        sorted.sort(null);
        int best = 0;
        int j = 0;
        for (int i = 0; i < sorted.size(); i++) {
            while (j < sorted.size() && sorted.get(j) < sorted.get(i) + windowMillis) {
                j++;
            }
            best = Math.max(best, j - i);
        }
        return best;
    }

    public static void main(String[] args) {
        System.out.println("| gateways | instances setting | view lag ms | admitted in 180 s | max in any 60 s | over-admissions |");
        System.out.println("|---|---|---|---|---|---|");
        for (int gateways : new int[] {1, 2}) {
            for (int setting : gateways == 1 ? new int[] {1} : new int[] {1, 2}) {
                for (long lag : new long[] {0, 100, 500, 1_000}) {
                    Result r = run(gateways, setting, lag, 60, 200, 32, 200, 180_000);
                    System.out.printf("| %d | %d | %d | %d | %d | %d |%n", gateways, setting, lag, r.admitted(),
                            r.maxInAnyWindow(), r.overAdmissions(60));
                }
            }
        }
    }
}
