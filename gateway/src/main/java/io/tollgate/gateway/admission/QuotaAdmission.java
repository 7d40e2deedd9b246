package io.tollgate.gateway.admission;

import io.tollgate.gateway.routing.Caller;
import io.tollgate.policy.scope.Keys;
import io.tollgate.policy.calendar.Calendars;
import io.tollgate.policy.calendar.Periods;
import io.tollgate.policy.limits.EffectiveLimits;
import io.tollgate.policy.limits.LimitResolver;
import io.tollgate.policy.limits.QuotaWarning;
import io.tollgate.policy.limits.RateLimits;
import io.tollgate.schemas.avro.PeriodType;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Admission against the key's limits, from the {@link QuotaView} plus this gateway's own
 * reservations that the view does not show yet.
 *
 * <h2>What is counted</h2>
 * Requests and tokens per minute are trailing sums over the view's buckets (1 s by default): a
 * bucket starting at {@code s} counts while {@code now < s + bucket + window}, so a request is never
 * forgotten before a full window has passed since it was made (at most one bucket longer). When the
 * view names the usage offset it has counted up to ({@code usageOffset}, set by metering-stream), the
 * count is exact: the view plus the own admissions it has not counted, those whose REQUEST event Kafka
 * has not acknowledged yet ({@link #written}) or acknowledged beyond that offset. A view without offsets
 * gets an estimate per bucket: {@code max(view, own)}, or {@code view + own} while own admissions may
 * still be missing, i.e. younger than the reflection bound ({@link Settings#reflectionBoundMillis}) and
 * later than the last event the view has processed ({@code lastEventTime}); when only that caution
 * stands in the way, the wait is until those admissions should be in the view.
 * Day totals come from the view's day plus own admissions the view does not show. Checked per
 * key + model and per key across models ({@code "*"}), against {@link LimitResolver}'s limits.
 *
 * <h2>Decisions</h2>
 * A per-minute limit that is hit gives {@link AdmissionDecision.Wait} with the time until enough of
 * the oldest counted buckets leave the window; a daily limit, a request larger than the token limit
 * itself, or (fail-closed) a stale view gives {@link AdmissionDecision.Refused}. Admitted calls are
 * reserved at once, under a per-key lock, so concurrent calls of one key cannot both take the last
 * slot.
 *
 * <h2>Over-admission with N gateway instances</h2>
 * One instance: none. Every admission it made is in its own ledger, and the view can only show
 * admissions it made, so {@code max(view, own)} is exact whatever the view's lag.
 * <p>N instances with the default {@code instances = 1}: an instance does not see the others'
 * admissions of the last {@code L} ms, where {@code L} = the view's lag (metering commit interval +
 * producer linger + consumer fetch). In the worst case (a burst arriving within {@code L} at every
 * instance) each instance admits up to the whole remaining limit, so up to {@code (N-1) x limit}
 * over-admissions per window; with a steady rate {@code r} per instance, about
 * {@code (N-1) x min(limit, r x L)}.
 * <p>With {@link Settings#instances} set to N, an instance takes at most {@code ceil((limit - V) / N)}
 * of the capacity the view shows as free ({@code V} = the view's count), counting its reservations
 * younger than the reflection bound, and waits for the view to catch up for more. If all instances
 * see the same view, the instances together admit at most {@code limit + N - 1} per window: at most
 * one extra call per additional instance (ceiling rounding), at the price of short waits (about
 * {@code L}) when one instance alone takes a burst. With offsets in the view this holds whatever
 * {@code L} is; with the estimate only while {@code L <= reflectionBound} and the gateways' events
 * reach Kafka in the order of their timestamps (ControlPlaneIT once saw 67 instead of 61 on a machine
 * at load 12 before offsets were used).
 *
 * <p>Thread-safe; an admitted call costs about a microsecond and 368 bytes (see BENCHMARKS.md).
 */
public final class QuotaAdmission implements Admission {

    /** What admission does when the view is older than {@link Settings#staleAfterMillis}. */
    public enum FailMode {
        /** Admit on what is known: the stale view plus own reservations (default). */
        OPEN,
        /** Refuse with 503 until the view is fresh again. */
        CLOSED
    }

    /**
     * @param windowMillis          the trailing window of the per-minute limits (60000)
     * @param bucketMillis          the view's bucket width (1000, as metering-stream writes them)
     * @param reflectionBoundMillis how long an own admission may be missing from the view (>= its lag) when the view
     *                              has no offsets; with offsets, only when to look again first
     * @param instances             gateway instances sharing the limits (1: no sharing rule)
     * @param failMode              fail open (default) or closed when the view is stale
     * @param staleAfterMillis      the view is stale when its newest update is older than this
     * @param zone                  day boundaries when the view knows none for a key
     * @param resetHour             hour the day starts in {@code zone}
     * @param quotaWarning          share of the daily quota that triggers the warning header
     * @param viewSkewMillis        how much later than this gateway's view another gateway's view may count the
     *                              same offset (share rule with instances > 1 and a view with offsets)
     */
    public record Settings(long windowMillis, int bucketMillis, long reflectionBoundMillis, int instances,
                           FailMode failMode, long staleAfterMillis, ZoneId zone, int resetHour,
                           QuotaWarning quotaWarning, long viewSkewMillis) {

        public Settings {
            Objects.requireNonNull(failMode, "failMode");
            Objects.requireNonNull(zone, "zone");
            Objects.requireNonNull(quotaWarning, "quotaWarning");
            if (bucketMillis <= 0 || windowMillis < bucketMillis || windowMillis % bucketMillis != 0) {
                throw new IllegalArgumentException("window " + windowMillis + " ms and bucket " + bucketMillis
                        + " ms: expected a positive bucket that divides the window, e.g. 60000 and 1000");
            }
            if (instances < 1) {
                throw new IllegalArgumentException("instances is " + instances + "; expected 1 or more");
            }
            if (reflectionBoundMillis < 0 || staleAfterMillis <= 0) {
                throw new IllegalArgumentException("reflectionBoundMillis " + reflectionBoundMillis
                        + " and staleAfterMillis " + staleAfterMillis + ": expected >= 0 and > 0");
            }
            if (viewSkewMillis < 0) {
                throw new IllegalArgumentException("viewSkewMillis is " + viewSkewMillis + "; expected >= 0");
            }
            if (resetHour < 0 || resetHour > 23) {
                throw new IllegalArgumentException("resetHour is " + resetHour + "; expected 0..23");
            }
        }

        public static Settings defaults() {
            return new Settings(60_000, 1_000, 2_000, 1, FailMode.OPEN, 30_000, ZoneId.of("UTC"), 0,
                    QuotaWarning.DEFAULT, 500);
        }

        public Settings withInstances(int n) {
            return new Settings(windowMillis, bucketMillis, reflectionBoundMillis, n, failMode, staleAfterMillis,
                    zone, resetHour, quotaWarning, viewSkewMillis);
        }

        public Settings withFailMode(FailMode mode, long staleAfter) {
            return new Settings(windowMillis, bucketMillis, reflectionBoundMillis, instances, mode, staleAfter,
                    zone, resetHour, quotaWarning, viewSkewMillis);
        }

        public Settings withReflectionBound(long millis) {
            return new Settings(windowMillis, bucketMillis, millis, instances, failMode, staleAfterMillis,
                    zone, resetHour, quotaWarning, viewSkewMillis);
        }

        public Settings withViewSkew(long millis) {
            return new Settings(windowMillis, bucketMillis, reflectionBoundMillis, instances, failMode, staleAfterMillis,
                    zone, resetHour, quotaWarning, millis);
        }

        public Settings withDay(ZoneId dayZone, int dayResetHour) {
            return new Settings(windowMillis, bucketMillis, reflectionBoundMillis, instances, failMode,
                    staleAfterMillis, dayZone, dayResetHour, quotaWarning, viewSkewMillis);
        }
    }

    /** Own reservations of one key; its monitor is the per-key lock. */
    private final class KeyLedgers {
        final Map<String, ReservationLedger> perModel = new HashMap<>();
        final ReservationLedger acrossModels = newLedger();

        ReservationLedger model(String model) {
            return perModel.computeIfAbsent(model, m -> newLedger());
        }
    }

    /** Key and model a limit belongs to; named in decisions as {@code key=k-1 model=sim-large}. */
    private record Scope(String keyId, String model) {
        @Override
        public String toString() {
            return "key=" + keyId + " model=" + model;
        }
    }

    /** Usage of one scope as this gateway sees it now. */
    private record Usage(long viewRequests, long viewTokens, long requests, long tokens, long lowerRequests,
                         long lowerTokens, long dayRequests, long dayTokens, long dayEndMillis, long firstUnseenAgeOut,
                         long shareRequests, long shareTokens) {
        static final Usage NONE = new Usage(0, 0, 0, 0, 0, 0, 0, 0, Long.MAX_VALUE, Long.MAX_VALUE, 0, 0);

        long unseenRequests() {
            return requests - viewRequests;
        }

        long unseenTokens() {
            return tokens - viewTokens;
        }
    }

    private static final long[] NO_BUCKETS = {};
    /** How soon to look at the view again while the share rule waits for it (views with offsets). */
    private static final long RECHECK_MILLIS = 50;

    private final QuotaView view;
    private final LimitResolver limits;
    private final Settings settings;
    private final ConcurrentHashMap<String, KeyLedgers> ledgers = new ConcurrentHashMap<>();
    private final Calendars calendars;

    public QuotaAdmission(QuotaView view, LimitResolver limits, Calendars calendars, Settings settings) {
        this.view = Objects.requireNonNull(view, "view");
        this.calendars = Objects.requireNonNull(calendars, "calendars");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    public Settings settings() {
        return settings;
    }


    @Override
    public AdmissionDecision tryAdmit(Caller caller, String model, long reservedTokens, long nowMillis) {
        Objects.requireNonNull(caller, "caller");
        Objects.requireNonNull(model, "model");
        if (caller.keyId() == null) {
            throw new IllegalArgumentException("caller " + caller + " has no key id; admission counts per API key");
        }
        if (reservedTokens < 0) {
            throw new IllegalArgumentException("reservedTokens is " + reservedTokens + "; expected >= 0");
        }
        if (settings.failMode() == FailMode.CLOSED) {
            long staleness = view.stalenessMillis(nowMillis);
            if (staleness > settings.staleAfterMillis()) {
                return new AdmissionDecision.Refused("quota view stale", settings.bucketMillis(), 503,
                        "quota view is " + (staleness == Long.MAX_VALUE ? "empty" : staleness + " ms old")
                                + " (bound " + settings.staleAfterMillis() + " ms); failing closed");
            }
        }
        EffectiveLimits effective = limits.limitsFor(caller.keyId(), model);
        String keyId = caller.keyId();
        Periods.Period day = calendars.ofTenant(caller.tenant()).period(PeriodType.DAY, nowMillis);
        KeyLedgers own = ledgers.computeIfAbsent(keyId, k -> new KeyLedgers());
        synchronized (own) {
            ReservationLedger modelLedger = own.model(model);
            QuotaSnapshot modelView = view.get(keyId, model);
            QuotaSnapshot allView = view.get(keyId, Keys.ALL_MODELS);
            // most tiers limit only across models: skip the sums nobody checks
            Usage modelUsage = effective.perModel().unlimited() ? Usage.NONE
                    : usage(modelView, modelLedger, nowMillis, settled(keyId, model, nowMillis), day);
            Usage allUsage = effective.acrossModels().unlimited() ? Usage.NONE
                    : usage(allView, own.acrossModels, nowMillis, settled(keyId, Keys.ALL_MODELS, nowMillis), day);
            Scope modelScope = new Scope(keyId, model);
            Scope allScope = new Scope(keyId, Keys.ALL_MODELS);

            AdmissionDecision refusal = firstNonNull(
                    dayCheck(effective.perModel(), modelUsage, modelScope, reservedTokens, nowMillis),
                    dayCheck(effective.acrossModels(), allUsage, allScope, reservedTokens, nowMillis));
            if (refusal != null) {
                return refusal;
            }
            AdmissionDecision limited = longest(
                    windowCheck(effective.perModel(), modelUsage, modelLedger, modelView, modelScope,
                            reservedTokens, nowMillis),
                    windowCheck(effective.acrossModels(), allUsage, own.acrossModels, allView, allScope,
                            reservedTokens, nowMillis));
            if (limited != null) {
                return limited;
            }
            modelLedger.add(nowMillis, 1, reservedTokens);
            own.acrossModels.add(nowMillis, 1, reservedTokens);
            AdmissionDecision.Remaining remaining = remaining(effective, modelUsage, allUsage, reservedTokens);
            return new AdmissionDecision.Admitted(
                    new AdmissionDecision.Reservation(null, 0, keyId, model, reservedTokens, nowMillis),
                    new AdmissionDecision.Remaining(remaining.requestsPerMinute(), remaining.tokensPerMinute(),
                            remaining.requestsToday(), remaining.requestsPerDayLimit(),
                            window(effective.perModel().requestsPerMinute(), effective.acrossModels().requestsPerMinute(),
                                    modelUsage.requests() + 1, allUsage.requests() + 1, modelLedger, modelView,
                                    own.acrossModels, allView, false, nowMillis),
                            window(effective.perModel().tokensPerMinute(), effective.acrossModels().tokensPerMinute(),
                                    modelUsage.tokens() + reservedTokens, allUsage.tokens() + reservedTokens,
                                    modelLedger, modelView, own.acrossModels, allView, true, nowMillis)));
        }
    }

    @Override
    public void settle(AdmissionDecision.Reservation reservation, long actualTokens, long nowMillis) {
        if (actualTokens < 0) {
            throw new IllegalArgumentException("actualTokens is " + actualTokens + "; expected >= 0");
        }
        if (reservation == null || reservation.keyId() == null) {
            return;
        }
        KeyLedgers own = ledgers.get(reservation.keyId());
        if (own == null) {
            return;
        }
        long delta = actualTokens - reservation.tokens();
        synchronized (own) {
            ReservationLedger modelLedger = own.perModel.get(reservation.model());
            if (modelLedger != null) {
                modelLedger.adjustTokens(reservation.atMillis(), delta);
            }
            own.acrossModels.adjustTokens(reservation.atMillis(), delta);
        }
    }

    @Override
    public void written(AdmissionDecision.Reservation reservation, int partition, long offset) {
        if (reservation == null || reservation.keyId() == null) {
            return;
        }
        KeyLedgers own = ledgers.get(reservation.keyId());
        if (own == null) {
            return;
        }
        synchronized (own) {
            ReservationLedger modelLedger = own.perModel.get(reservation.model());
            if (modelLedger != null) {
                modelLedger.written(reservation.atMillis(), reservation.tokens(), partition, offset);
            }
            own.acrossModels.written(reservation.atMillis(), reservation.tokens(), partition, offset);
        }
    }

    private ReservationLedger newLedger() {
        return new ReservationLedger(settings.bucketMillis(), settings.windowMillis());
    }

    /** The offset every gateway's view has counted by now (share rule only), -1 when unknown or not needed. */
    private long settled(String keyId, String model, long now) {
        return settings.instances() > 1 ? view.settledOffset(keyId, model, now, settings.viewSkewMillis()) : -1;
    }

    private Usage usage(QuotaSnapshot snapshot, ReservationLedger own, long now, long settledOffset,
                        Periods.Period day) {
        long cutoff = now - settings.windowMillis() - settings.bucketMillis();
        long youngAfter = now - settings.reflectionBoundMillis();
        boolean aligned = snapshot == null || snapshot.bucketMillis() == settings.bucketMillis();
        long viewRequests = 0;
        long viewTokens = 0;
        if (snapshot != null) {
            viewRequests = snapshot.requestsAfter(cutoff);
            viewTokens = snapshot.tokensAfter(cutoff);
        }
        long dayStart = snapshot != null && snapshot.dayCovers(now) ? snapshot.dayStartMillis() : day.startMillis();
        long extraRequests = 0;
        long extraTokens = 0;
        long lowerRequests = 0;
        long lowerTokens = 0;
        long dayExtraRequests = 0;
        long dayExtraTokens = 0;
        long shareRequests = 0;
        long shareTokens = 0;
        long ageOut = Long.MAX_VALUE;
        for (int j = 0; j < own.slots(); j++) {
            long start = own.start(j);
            if (start <= cutoff) {
                continue;
            }
            long vr = 0;
            long vt = 0;
            if (snapshot != null && aligned) {
                int vi = snapshot.indexOf(start);
                if (vi >= 0) {
                    vr = snapshot.bucketRequests()[vi];
                    vt = snapshot.bucketTokens()[vi];
                }
            }
            long er;
            long et;
            boolean young;
            if (exact(snapshot)) {
                // the view plus exactly the own admissions it has not counted
                er = own.unseenRequests(j, snapshot.usagePartition(), snapshot.usageOffset());
                et = own.unseenTokens(j, snapshot.usagePartition(), snapshot.usageOffset());
                lowerRequests += er;
                lowerTokens += et;
                if (settings.instances() > 1) {
                    // the share rule counts what another gateway's view may still lack: beyond the settled offset
                    long sr = own.unseenRequests(j, snapshot.usagePartition(), settledOffset);
                    shareRequests += sr;
                    shareTokens += own.unseenTokens(j, snapshot.usagePartition(), settledOffset);
                    if (sr > 0) {
                        ageOut = Math.min(ageOut, now + RECHECK_MILLIS); // the view moves on; look again soon
                    }
                }
                young = false;
            } else {
                young = estimatedUnseen(own, j, snapshot, youngAfter);
                long r = own.requests(j);
                long t = own.tokens(j);
                er = Math.max(vr + (young ? r : 0), r) - vr;
                et = Math.max(vt + (young ? t : 0), t) - vt;
                lowerRequests += Math.max(0, r - vr);
                lowerTokens += Math.max(0, t - vt);
                shareRequests += er;
                shareTokens += et;
            }
            extraRequests += er;
            extraTokens += et;
            if (start >= dayStart) {
                dayExtraRequests += er;
                dayExtraTokens += et;
            }
            if (young) {
                ageOut = Math.min(ageOut, own.lastAt(j) + settings.reflectionBoundMillis());
            }
        }
        boolean viewDay = snapshot != null && snapshot.dayCovers(now);
        long dayRequests = (viewDay ? snapshot.dayRequests() : 0) + dayExtraRequests;
        long dayTokens = (viewDay ? snapshot.dayTokens() : 0) + dayExtraTokens;
        long dayEnd = viewDay ? snapshot.dayEndMillis() : day.endMillis();
        return new Usage(viewRequests, viewTokens, viewRequests + extraRequests, viewTokens + extraTokens,
                viewRequests + lowerRequests, viewTokens + lowerTokens, dayRequests, dayTokens, dayEnd, ageOut,
                shareRequests, shareTokens);
    }

    /** True when the view names the usage offset it has counted up to: own admissions it lacks are known exactly. */
    private static boolean exact(QuotaSnapshot snapshot) {
        return snapshot != null && snapshot.usageOffset() >= 0;
    }

    /**
     * For a view without offsets (a metering-stream older than {@code usageOffset}): an own bucket may be
     * missing from it while its latest admission is younger than the reflection bound and later than the
     * last event the view has processed. Under load that is wrong both ways: a view lagging more than the
     * bound, or another gateway's later-stamped event processed before ours.
     */
    private static boolean estimatedUnseen(ReservationLedger own, int slot, QuotaSnapshot snapshot, long youngAfter) {
        long lastAt = own.lastAt(slot);
        return lastAt > youngAfter && (snapshot == null || lastAt > snapshot.lastEventTime());
    }

    private static AdmissionDecision dayCheck(RateLimits limit, Usage usage, Scope scope, long reservedTokens,
                                              long now) {
        Long rpd = limit.requestsPerDay();
        if (rpd != null && usage.dayRequests() + 1 > rpd) {
            return new AdmissionDecision.Refused("rpd " + scope + " " + rpd, usage.dayEndMillis() - now, 429,
                    "daily request quota of " + rpd + " used (" + usage.dayRequests() + " today)");
        }
        Long tpd = limit.tokensPerDay();
        if (tpd != null && usage.dayTokens() + reservedTokens > tpd) {
            return new AdmissionDecision.Refused("tpd " + scope + " " + tpd, usage.dayEndMillis() - now, 429,
                    "daily token quota of " + tpd + " would be exceeded (" + usage.dayTokens() + " used, "
                            + reservedTokens + " asked)");
        }
        return null;
    }

    private AdmissionDecision windowCheck(RateLimits limit, Usage usage, ReservationLedger own,
                                          QuotaSnapshot snapshot, Scope scope, long reservedTokens, long now) {
        AdmissionDecision byRequests = null;
        Long rpm = limit.requestsPerMinute();
        if (rpm != null) {
            if (rpm == 0) {
                return new AdmissionDecision.Refused("rpm " + scope + " 0", 0, 429, "no requests allowed per minute");
            }
            byRequests = limitCheck("rpm", scope, rpm, usage.viewRequests(), usage.requests(),
                    usage.lowerRequests(), 1, usage, own, snapshot, false, now);
        }
        AdmissionDecision byTokens = null;
        Long tpm = limit.tokensPerMinute();
        if (tpm != null) {
            if (reservedTokens > tpm) {
                return new AdmissionDecision.Refused("tpm " + scope + " " + tpm, 0, 429, "the call needs "
                        + reservedTokens + " tokens, more than the limit of " + tpm + " tokens per minute");
            }
            byTokens = limitCheck("tpm", scope, tpm, usage.viewTokens(), usage.tokens(),
                    usage.lowerTokens(), reservedTokens, usage, own, snapshot, true, now);
        }
        return longest(byRequests, byTokens);
    }

    /** Null when {@code need} more fits under {@code limit} (and within this instance's share). */
    private AdmissionDecision limitCheck(String kind, Scope scope, long limit, long viewCount, long count, long lowerCount,
                                         long need, Usage usage, ReservationLedger own, QuotaSnapshot snapshot,
                                         boolean tokens, long now) {
        long ageOut = usage.firstUnseenAgeOut() == Long.MAX_VALUE
                ? settings.bucketMillis() : Math.max(1, usage.firstUnseenAgeOut() - now);
        if (count + need > limit) {
            long wait = waitUntilFree(count + need - limit, own, snapshot, tokens, now);
            if (lowerCount + need <= limit) {
                // it fits unless the view has not shown our latest admissions yet: ask again once they should be in
                wait = Math.min(wait, ageOut);
            }
            return new AdmissionDecision.Wait(wait, kind + " " + scope + " " + limit);
        }
        if (settings.instances() > 1) {
            long share = Math.ceilDiv(Math.max(0, limit - viewCount), settings.instances());
            if ((tokens ? usage.shareTokens() : usage.shareRequests()) + need > share) {
                return new AdmissionDecision.Wait(ageOut, kind + " " + scope + " " + limit + " (share of "
                        + settings.instances() + " instances)");
            }
        }
        return null;
    }

    /**
     * Time until the oldest counted buckets holding {@code excess} leave the window: walks the
     * window's buckets oldest first, counting each as {@link #usage} does, without allocating.
     */
    private long waitUntilFree(long excess, ReservationLedger own, QuotaSnapshot snapshot, boolean tokens, long now) {
        long bucket = settings.bucketMillis();
        long cutoff = now - settings.windowMillis() - bucket;
        long youngAfter = now - settings.reflectionBoundMillis();
        boolean aligned = snapshot == null || snapshot.bucketMillis() == bucket;
        long[] viewStarts = snapshot == null ? NO_BUCKETS : snapshot.bucketStarts();
        long[] viewCounts = snapshot == null ? NO_BUCKETS : tokens ? snapshot.bucketTokens() : snapshot.bucketRequests();
        int v = 0;
        while (v < viewStarts.length && viewStarts[v] <= cutoff) {
            v++;
        }
        // buckets ahead of this clock (another machine's, or an earlier call's) still count
        long last = Math.max(now, viewStarts.length == 0 ? now : viewStarts[viewStarts.length - 1]);
        for (int j = 0; j < own.slots(); j++) {
            last = Math.max(last, own.start(j));
        }
        long freed = 0;
        for (long start = Math.floorDiv(cutoff, bucket) * bucket + bucket; start <= last; start += bucket) {
            long viewCount = 0;
            while (v < viewStarts.length && viewStarts[v] < start + bucket) {
                viewCount += viewCounts[v++];
            }
            int j = own.indexOf(start);
            if (j < 0) {
                freed += viewCount;
            } else if (exact(snapshot)) {
                freed += viewCount + (tokens ? own.unseenTokens(j, snapshot.usagePartition(), snapshot.usageOffset())
                        : own.unseenRequests(j, snapshot.usagePartition(), snapshot.usageOffset()));
            } else {
                long ownCount = tokens ? own.tokens(j) : own.requests(j);
                boolean young = estimatedUnseen(own, j, snapshot, youngAfter);
                freed += aligned ? Math.max(viewCount + (young ? ownCount : 0), ownCount) : viewCount + ownCount;
            }
            if (freed >= excess) {
                return Math.max(1, start + bucket + settings.windowMillis() - now);
            }
        }
        // more than the whole window holds: the call can only fit once everything has left
        return settings.windowMillis() + bucket;
    }

    private static AdmissionDecision.Remaining remaining(EffectiveLimits effective, Usage modelUsage,
                                                         Usage allUsage, long reservedTokens) {
        RateLimits m = effective.perModel();
        RateLimits a = effective.acrossModels();
        long rpm = min(left(m.requestsPerMinute(), modelUsage.requests() + 1),
                left(a.requestsPerMinute(), allUsage.requests() + 1));
        long tpm = min(left(m.tokensPerMinute(), modelUsage.tokens() + reservedTokens),
                left(a.tokensPerMinute(), allUsage.tokens() + reservedTokens));
        long modelDay = left(m.requestsPerDay(), modelUsage.dayRequests() + 1);
        long allDay = left(a.requestsPerDay(), allUsage.dayRequests() + 1);
        long today = min(modelDay, allDay);
        long dayLimit = today < 0 ? -1 : today == modelDay ? m.requestsPerDay() : a.requestsPerDay();
        return new AdmissionDecision.Remaining(rpm, tpm, today, dayLimit);
    }

    /**
     * The per-minute limit (requests or tokens) with less left after this admission, of the key + model
     * ({@code modelLimit}, {@code modelUsed}) and the key across models; reset = until its oldest counted
     * bucket leaves the window. The ledgers already hold this admission.
     */
    private AdmissionDecision.Window window(Long modelLimit, Long allLimit, long modelUsed, long allUsed,
                                            ReservationLedger modelLedger, QuotaSnapshot modelView,
                                            ReservationLedger allLedger, QuotaSnapshot allView, boolean tokens,
                                            long now) {
        long modelLeft = left(modelLimit, modelUsed);
        long allLeft = left(allLimit, allUsed);
        if (modelLeft < 0 && allLeft < 0) {
            return AdmissionDecision.Window.UNLIMITED;
        }
        boolean byModel = allLeft < 0 || modelLeft >= 0 && modelLeft <= allLeft;
        long reset = byModel ? waitUntilFree(1, modelLedger, modelView, tokens, now)
                : waitUntilFree(1, allLedger, allView, tokens, now);
        return new AdmissionDecision.Window(byModel ? modelLimit : allLimit, byModel ? modelLeft : allLeft, reset);
    }

    private static long left(Long limit, long used) {
        return limit == null ? -1 : Math.max(0, limit - used);
    }

    /** The smaller of two remainders where -1 means unlimited. */
    private static long min(long a, long b) {
        if (a < 0) {
            return b;
        }
        return b < 0 ? a : Math.min(a, b);
    }

    private static AdmissionDecision firstNonNull(AdmissionDecision a, AdmissionDecision b) {
        return a != null ? a : b;
    }

    /** Of two decisions, a refusal first, else the longer wait. */
    private static AdmissionDecision longest(AdmissionDecision a, AdmissionDecision b) {
        if (a == null || b instanceof AdmissionDecision.Refused) {
            return b == null ? a : b;
        }
        if (b == null || a instanceof AdmissionDecision.Refused) {
            return a;
        }
        return ((AdmissionDecision.Wait) a).waitMillis() >= ((AdmissionDecision.Wait) b).waitMillis() ? a : b;
    }
}
