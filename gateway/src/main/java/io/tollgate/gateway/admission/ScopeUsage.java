package io.tollgate.gateway.admission;

import io.tollgate.policy.calendar.Periods;
import io.tollgate.policy.limits.EffectiveLimits;
import io.tollgate.policy.limits.LimitKind;
import io.tollgate.policy.window.TrailingWindow;
import java.util.function.Supplier;

/**
 * What one scope (a key and model, or a key across models) has used at one instant as this gateway
 * sees it: the quota view plus exactly the own admissions the view has not counted
 * ({@link ReservationLedger}). A view that names no usage offset, or no view at all, has counted none
 * of them. Per-minute figures are over {@link TrailingWindow}'s trailing minute; buckets that start
 * after {@code now} (another machine's clock a little ahead) count too, since they have not begun to
 * age out. Day figures are from the view's day when it covers {@code now}, else from the calendar's.
 */
final class ScopeUsage {

    /** For a scope without limits: nothing is asked of it. */
    static final ScopeUsage NONE = new ScopeUsage(null, null, 0, -1, -1);
    private static final long[] NO_BUCKETS = {};

    private final QuotaSnapshot view;
    private final ReservationLedger own;
    private final long now;
    private final int partition;
    private final long countedOffset;
    private long viewRequests;
    private long viewTokens;
    private long requests;
    private long tokens;
    private long dayRequests;
    private long dayTokens;
    private long dayEndMillis = Long.MAX_VALUE;
    private long shareRequests;
    private long shareTokens;

    private ScopeUsage(QuotaSnapshot view, ReservationLedger own, long now, int partition, long countedOffset) {
        this.view = view;
        this.own = own;
        this.now = now;
        this.partition = partition;
        this.countedOffset = countedOffset;
    }

    /**
     * @param day           the calendar day of {@code now}, asked for only when the view's day does not cover it
     * @param share         whether to count what the share rule needs ({@link #unsettled})
     * @param settledOffset the usage offset every gateway's view has counted by now ({@link QuotaView#settledOffset}),
     *                      -1 when unknown
     */
    static ScopeUsage of(QuotaSnapshot view, ReservationLedger own, long now, Supplier<Periods.Period> day,
                         boolean share, long settledOffset) {
        boolean counted = view != null && view.usageOffset() >= 0;
        ScopeUsage u = new ScopeUsage(view, own, now, counted ? view.usagePartition() : -1,
                counted ? view.usageOffset() : -1);
        long oldest = TrailingWindow.oldestCounted(now);
        boolean viewDay = view != null && view.dayCovers(now);
        Periods.Period calendarDay = viewDay ? null : day.get();
        long dayStart = viewDay ? view.dayStartMillis() : calendarDay.startMillis();
        if (view != null) {
            u.viewRequests = view.requestsFrom(oldest);
            u.viewTokens = view.tokensFrom(oldest);
        }
        u.dayRequests = viewDay ? view.dayRequests() : 0;
        u.dayTokens = viewDay ? view.dayTokens() : 0;
        u.dayEndMillis = viewDay ? view.dayEndMillis() : calendarDay.endMillis();
        u.requests = u.viewRequests;
        u.tokens = u.viewTokens;
        for (long m = own.pending(u.partition, u.countedOffset, false); m != 0; m &= m - 1) {
            int j = Long.numberOfTrailingZeros(m);
            long start = own.start(j);
            long r = own.unseenRequests(j, u.partition, u.countedOffset);
            long t = r == 0 ? 0 : own.unseenTokens(j, u.partition, u.countedOffset);
            if (start >= oldest) {
                u.requests += r;
                u.tokens += t;
            }
            if (start >= dayStart) {
                u.dayRequests += r;
                u.dayTokens += t;
            }
        }
        if (share) {
            // what a view that has counted only up to the settled offset lacks
            for (long m = own.pending(u.partition, settledOffset, true); m != 0; m &= m - 1) {
                int j = Long.numberOfTrailingZeros(m);
                if (own.start(j) >= oldest) {
                    long sr = own.unseenRequests(j, u.partition, settledOffset);
                    u.shareRequests += sr;
                    u.shareTokens += sr == 0 ? 0 : own.unseenTokens(j, u.partition, settledOffset);
                }
            }
        }
        return u;
    }

    /** View plus own unseen admissions: per trailing minute for RPM/TPM, today for RPD/TPD. */
    long used(LimitKind kind) {
        return switch (kind) {
            case RPM -> requests;
            case TPM -> tokens;
            case RPD -> dayRequests;
            case TPD -> dayTokens;
        };
    }

    /** The trailing minute as the view alone shows it. */
    long viewed(LimitKind kind) {
        return kind.tokens() ? viewTokens : viewRequests;
    }

    /** Own admissions in the trailing minute that some gateway's view may still lack (share rule). */
    long unsettled(LimitKind kind) {
        return kind.tokens() ? shareTokens : shareRequests;
    }

    long dayEndMillis() {
        return dayEndMillis;
    }

    /**
     * Milliseconds until enough of the oldest counted buckets have left the window to free {@code excess} of
     * {@code kind} (RPM or TPM): the buckets are walked oldest first, each counted as {@link #used} counts it.
     */
    long millisUntilFree(LimitKind kind, long excess) {
        long bucket = TrailingWindow.BUCKET_MILLIS;
        long[] starts = view == null ? NO_BUCKETS : view.bucketStarts();
        long[] counts = view == null ? NO_BUCKETS : kind.tokens() ? view.bucketTokens() : view.bucketRequests();
        long oldest = TrailingWindow.oldestCounted(now);
        int v = 0;
        while (v < starts.length && starts[v] < oldest) {
            v++;
        }
        long last = Math.max(now, starts.length == 0 ? now : starts[starts.length - 1]);
        for (int j = 0; j < ReservationLedger.slots(); j++) {
            last = Math.max(last, own.start(j));
        }
        long freed = 0;
        for (long start = oldest; start <= last; start += bucket) {
            while (v < starts.length && starts[v] < start + bucket) {
                freed += counts[v++];
            }
            int j = own.indexOf(start);
            if (j >= 0) {
                freed += kind.tokens() ? own.unseenTokens(j, partition, countedOffset)
                        : own.unseenRequests(j, partition, countedOffset);
            }
            if (freed >= excess) {
                return Math.max(1, TrailingWindow.ageOut(start) - now);
            }
        }
        // more than the whole window holds: the call can only fit once everything has left
        return TrailingWindow.WINDOW_MILLIS + bucket;
    }

    /** What the caller has left of each limit once this call ({@code reservedTokens}) is counted. */
    static AdmissionDecision.Remaining remaining(EffectiveLimits effective, ScopeUsage perModel, ScopeUsage across,
                                                 long reservedTokens) {
        return new AdmissionDecision.Remaining(
                headroom(LimitKind.RPM, effective, perModel, across, 1),
                headroom(LimitKind.TPM, effective, perModel, across, reservedTokens),
                headroom(LimitKind.RPD, effective, perModel, across, 1),
                headroom(LimitKind.TPD, effective, perModel, across, reservedTokens));
    }

    /** What is left of {@code kind} after this call, in the scope (model or across models) with less left. */
    private static AdmissionDecision.Headroom headroom(LimitKind kind, EffectiveLimits effective, ScopeUsage perModel,
                                                       ScopeUsage across, long need) {
        Long modelLimit = effective.perModel().get(kind);
        Long allLimit = effective.acrossModels().get(kind);
        ScopeUsage scope;
        Long limit;
        if (modelLimit == null || allLimit == null) {
            scope = modelLimit != null ? perModel : across;
            limit = modelLimit != null ? modelLimit : allLimit;
        } else {
            boolean modelTighter = modelLimit - perModel.used(kind) <= allLimit - across.used(kind);
            scope = modelTighter ? perModel : across;
            limit = modelTighter ? modelLimit : allLimit;
        }
        if (limit == null) {
            return AdmissionDecision.Headroom.UNLIMITED;
        }
        long reset = kind.daily() ? Math.max(0, scope.dayEndMillis() - scope.now) : scope.millisUntilFree(kind, 1);
        return new AdmissionDecision.Headroom(limit, Math.max(0, limit - scope.used(kind) - need), reset);
    }
}
