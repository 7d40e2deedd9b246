package io.tollgate.gateway.admission;

import io.tollgate.gateway.routing.Caller;
import io.tollgate.gateway.routing.CommandView;
import io.tollgate.policy.limits.RateLimits;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.CommandAction;
import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.avro.RoutingCommand;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.UsageBucket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Admission cost per call: {@link QuotaAdmission} over a view with a full 60-bucket minute for each of 1000
 * keys (per model and across models), each status naming the usage offset it counted up to, and each admitted
 * call's REQUEST acknowledged at once through {@code written}, as the gateway does; against
 * {@code Admission.unlimited()} as the baseline. Variants: behind {@link CommandAwareAdmission} with 50 commands
 * on other scopes; in a fleet of 3 gateways (the share rule's look-up of the settled offset, limits high enough
 * that the share never binds); one key whose minute is full, so every call computes a Wait.
 * Not part of {@code mvn verify}; the exact command is in docs/benchmarks-history.md, "Admission cost per call
 * (JMH)" (javac with the JMH annotation processor over these sources, then {@code org.openjdk.jmh.Main}).
 *
 * <p>Simulated time moves 0.06 ms per call, so each key is called about 16 times a second and its ledger holds
 * what a real minute would; before every iteration the view is rewritten to the minute before that time and
 * to have counted every acknowledged call (a view that keeps up). One benchmark thread ({@code -t 1}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AdmissionBenchmark {

    static final int KEYS = 1_000;
    static final String MODEL = "sim-large";
    static final long BASE = 1_800_000_000_000L;

    @State(Scope.Benchmark)
    public static class Shared {
        Admission unlimited;
        QuotaAdmission quota;
        QuotaAdmission quotaFleet;
        QuotaAdmission quotaFull;
        Admission commandAware;
        Caller[] callers;
        Caller fullCaller;
        final QuotaView view = new QuotaView();
        /** Calls made so far; the clock and the offsets follow it. */
        long i;

        @Setup(Level.Trial)
        public void setUp() {
            TestPolicies policies = new TestPolicies();
            callers = new Caller[KEYS];
            for (int k = 0; k < KEYS; k++) {
                String key = "k-" + k;
                policies.key(key, "acme", Map.of(MODEL, new RateLimits(1_000_000_000L, 1_000_000_000_000L, null, null),
                        "*", new RateLimits(1_000_000_000L, 1_000_000_000_000L, 1_000_000_000_000L, null)));
                callers[k] = new Caller(key, "acme", "team-" + (k % 10), "agent-" + k, "bench", null);
            }
            policies.key("k-full", "acme", Map.of("*", new RateLimits(60L, null, null, null)));
            fullCaller = new Caller("k-full", "acme", "t", "a", "full", null);
            unlimited = Admission.unlimited();
            quota = new QuotaAdmission(view, policies.limits, policies.calendars, () -> 1,
                    QuotaAdmission.Settings.defaults());
            quotaFleet = new QuotaAdmission(view, policies.limits, policies.calendars, () -> 3,
                    QuotaAdmission.Settings.defaults());
            quotaFull = new QuotaAdmission(view, policies.limits, policies.calendars, () -> 1,
                    QuotaAdmission.Settings.defaults());
            CommandView commands = new CommandView();
            for (int t = 0; t < 50; t++) {
                RoutingCommand c = RoutingCommand.newBuilder().setCommandId("c-" + t).setAction(CommandAction.DOWNGRADE)
                        .setScopeType(ScopeType.TEAM).setScopeId("other-" + t).setDowngradeTo("small").setReason("r")
                        .setIssuedAt(1).build();
                commands.apply(Keys.scope(ScopeType.TEAM, "other-" + t), c);
            }
            commandAware = new CommandAwareAdmission(quota, commands);
        }

        /** The view as metering-stream would have it now: the last minute, every acknowledged call counted. */
        @Setup(Level.Iteration)
        public void refreshView() {
            long now = now();
            for (int k = 0; k < KEYS; k++) {
                String key = "k-" + k;
                view.apply(Keys.quota(key, MODEL), status(key, MODEL, 1, now), now - 1_000);
                view.apply(Keys.quota(key, "*"), status(key, "*", 1, now), now - 1_000);
            }
            view.apply(Keys.quota("k-full", "*"), status("k-full", "*", 2, now), now - 1_000);
        }

        long now() {
            return BASE + i * 6 / 100;
        }

        Caller next() {
            i++;
            return callers[(int) (i % KEYS)];
        }

        /** One bucket per second of the minute before {@code now}, {@code perSecond} requests each. */
        private QuotaStatus status(String key, String model, long perSecond, long now) {
            List<UsageBucket> buckets = new ArrayList<>();
            long second = now / 1000 * 1000;
            for (int s = 60; s >= 1; s--) {
                buckets.add(UsageBucket.newBuilder().setStartMillis(second - s * 1000L).setRequests(perSecond)
                        .setTokens(perSecond * 100).build());
            }
            return QuotaStatus.newBuilder().setApiKeyId(key).setModel(model).setBucketMillis(1000).setBuckets(buckets)
                    .setDayKey("d").setDayStartMillis(now - 3_600_000).setDayEndMillis(now + 3_600_000)
                    .setDayRequests(500).setDayTokens(50_000).setLastEventTime(now - 500).setUpdatedAt(now)
                    .setUsagePartition(0).setUsageOffset(Long.MAX_VALUE / 2).build();
        }
    }

    @Benchmark
    public AdmissionDecision baselineUnlimited(Shared shared) {
        return shared.unlimited.tryAdmit(shared.next(), MODEL, 500, shared.now());
    }

    /** Admission, then Kafka's acknowledgement of the REQUEST event, as the gateway does. */
    @Benchmark
    public AdmissionDecision quotaAdmitted(Shared shared) {
        return admitAndAcknowledge(shared.quota, shared);
    }

    /** The same in a fleet of 3 gateways: the share rule also looks up the offset every view has counted. */
    @Benchmark
    public AdmissionDecision quotaAdmittedInFleetOf3(Shared shared) {
        return admitAndAcknowledge(shared.quotaFleet, shared);
    }

    @Benchmark
    public AdmissionDecision quotaAdmittedBehindCommands(Shared shared) {
        AdmissionDecision d = shared.commandAware.tryAdmit(shared.next(), MODEL, 500, shared.now());
        if (d instanceof AdmissionDecision.Admitted a) {
            shared.commandAware.written(a.reservation(), 0, shared.i);
        }
        return d;
    }

    /** A key whose minute is full: every call computes a Wait from the buckets. */
    @Benchmark
    public AdmissionDecision quotaWaitComputed(Shared shared) {
        shared.i++;
        return shared.quotaFull.tryAdmit(shared.fullCaller, MODEL, 500, shared.now());
    }

    private static AdmissionDecision admitAndAcknowledge(QuotaAdmission admission, Shared shared) {
        AdmissionDecision d = admission.tryAdmit(shared.next(), MODEL, 500, shared.now());
        if (d instanceof AdmissionDecision.Admitted a) {
            admission.written(a.reservation(), 0, shared.i);
        }
        return d;
    }
}
