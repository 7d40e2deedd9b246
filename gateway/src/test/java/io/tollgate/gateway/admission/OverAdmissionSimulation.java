package io.tollgate.gateway.admission;

import io.tollgate.gateway.routing.Caller;
import io.tollgate.policy.limits.RateLimits;
import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.avro.UsageBucket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * A deterministic, simulated-time model of a burst against a fleet of gateways sharing one key. Each gateway
 * has its own {@link QuotaAdmission} and {@link QuotaView}. Kafka is one usage partition: an admission's REQUEST
 * event gets the next offset at once, and the metering stream's status counts every event up to an offset;
 * gateway {@code g}'s view shows the status as of {@code viewLagMillis[g]} ago (the views' lags differ by the
 * skew between gateways). Clients wait as told ({@link AdmissionDecision.Wait}) and try again; a call takes
 * {@code callMillis}. The result is the most calls admitted in any 60-second window.
 *
 * <p>Run as a program for a table:
 * {@code java -cp <test classpath> io.tollgate.gateway.admission.OverAdmissionSimulation}.
 */
public final class OverAdmissionSimulation {

    static final String KEY = "k-burst";
    static final String MODEL = "sim-large";
    private static final Caller CALLER = new Caller(KEY, "acme", "t", "a", "burst", null);

    /** What one run produced. */
    public record Result(int gateways, int fleetSizeTold, int admitted, int maxInAnyWindow) {
    }

    private record Attempt(long at, int client) {
    }

    private OverAdmissionSimulation() {
    }

    /**
     * @param viewLagMillis how long an event takes to show in each gateway's view; its length is the number of
     *                      gateways (client i uses gateway i mod that)
     * @param fleetSizeTold the fleet size every gateway's membership reports
     */
    public static Result run(long[] viewLagMillis, int fleetSizeTold, long rpm, int requests, int clients,
                             long callMillis, long horizonMillis) {
        int gateways = viewLagMillis.length;
        TestPolicies policies = new TestPolicies().key(KEY, "acme", Map.of("*", new RateLimits(rpm, null, null, null)));
        List<QuotaView> views = new ArrayList<>();
        List<QuotaAdmission> admissions = new ArrayList<>();
        for (int g = 0; g < gateways; g++) {
            QuotaView view = new QuotaView();
            views.add(view);
            admissions.add(new QuotaAdmission(view, policies.limits, policies.calendars, () -> fleetSizeTold,
                    QuotaAdmission.Settings.defaults()));
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
        List<Long> admittedAt = new ArrayList<>(); // index = usage offset
        while (!queue.isEmpty()) {
            Attempt attempt = queue.poll();
            if (attempt.at > horizonMillis) {
                break;
            }
            int gateway = attempt.client % gateways;
            publish(views.get(gateway), admittedAt, attempt.at - viewLagMillis[gateway], attempt.at);
            QuotaAdmission admission = admissions.get(gateway);
            switch (admission.tryAdmit(CALLER, MODEL, 0, attempt.at)) {
                case AdmissionDecision.Admitted admitted -> {
                    admission.written(admitted.reservation(), 0, admittedAt.size());
                    admittedAt.add(attempt.at);
                    if (--left[attempt.client] > 0) {
                        queue.add(new Attempt(attempt.at + callMillis, attempt.client));
                    }
                }
                case AdmissionDecision.Wait wait ->
                        queue.add(new Attempt(attempt.at + wait.waitMillis(), attempt.client));
                case AdmissionDecision.Refused refused -> throw new IllegalStateException(
                        "no refusal expected in a burst without daily limits: " + refused);
            }
        }
        return new Result(gateways, fleetSizeTold, admittedAt.size(), maxInWindow(admittedAt, 60_000));
    }

    /** Applies the status the metering stream had written by {@code asOf}: every event at or before it. */
    private static void publish(QuotaView view, List<Long> admittedAt, long asOf, long now) {
        TreeMap<Long, Long> perSecond = new TreeMap<>();
        long counted = -1;
        for (int offset = 0; offset < admittedAt.size() && admittedAt.get(offset) <= asOf; offset++) {
            perSecond.merge(Math.floorDiv(admittedAt.get(offset), 1000) * 1000, 1L, Long::sum);
            counted = offset;
        }
        List<UsageBucket> buckets = new ArrayList<>();
        perSecond.forEach((start, n) -> buckets.add(UsageBucket.newBuilder().setStartMillis(start).setRequests(n)
                .setTokens(0).build()));
        QuotaStatus all = QuotaStatus.newBuilder().setApiKeyId(KEY).setModel("*").setBucketMillis(1000)
                .setBuckets(buckets).setUpdatedAt(Math.max(0, asOf)).setLastEventTime(Math.max(0, asOf))
                .setUsagePartition(0).setUsageOffset(counted).build();
        view.apply(KEY + "|*", all, now);
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
        System.out.println("| gateways | fleet size told | view lags ms | admitted in 180 s | max in any 60 s |");
        System.out.println("|---|---|---|---|---|");
        for (long[] lags : List.of(new long[] {100}, new long[] {100, 100}, new long[] {100, 500},
                new long[] {100, 300, 500}, new long[] {1_000, 1_200, 1_400})) {
            for (int told : lags.length == 1 ? new int[] {1} : new int[] {1, lags.length}) {
                Result r = run(lags, told, 60, 300, 32, 200, 180_000);
                System.out.printf("| %d | %d | %s | %d | %d |%n", lags.length, told, java.util.Arrays.toString(lags),
                        r.admitted(), r.maxInAnyWindow());
            }
        }
    }
}
