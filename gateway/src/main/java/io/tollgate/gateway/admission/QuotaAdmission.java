package io.tollgate.gateway.admission;

import io.tollgate.gateway.routing.Caller;
import io.tollgate.policy.calendar.Calendars;
import io.tollgate.policy.limits.EffectiveLimits;
import io.tollgate.policy.limits.LimitResolver;
import io.tollgate.policy.limits.RateLimits;
import io.tollgate.policy.scope.Keys;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * Admission against the key's limits ({@link LimitResolver}), per key + model and per key across models
 * ({@code "*"}), from the {@link QuotaView} plus exactly the own admissions it has not counted: read-your-writes
 * by offset. Every {@code QuotaStatus} names the usage partition and offset it has counted up to, and the event
 * sink reports where Kafka wrote each REQUEST event ({@link #written}); an admission counts on top of the view
 * until the view has counted its offset, so a view's lag never hides one and never counts one twice
 * ({@link ScopeUsage}, {@link ReservationLedger}).
 *
 * <p>The checks, in order: fail-closed staleness; {@link DailyQuotaCheck} (Refused); {@link TrailingWindowCheck}
 * (Wait, or Refused for a limit no call can meet); with more than one gateway in the fleet, {@link ShareRule}
 * (Wait). Admitted calls are reserved at once under a per-key lock, so concurrent calls of one key cannot both
 * take the last slot. Days are the view's day when it covers now, else the tenant's ({@link Calendars#ofTenant}).
 *
 * <p>One gateway admits exactly the limit per window. N gateways (N = the live membership of the gateways'
 * consumer group, {@code gateways}) admit at most {@code limit + N - 1} requests per window while their views lag
 * one another by less than {@link Settings#viewSkewMillis}: see {@link ShareRule}.
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
     * @param failMode         fail open (default) or closed when the view is stale
     * @param staleAfterMillis the view is stale when its newest update is older than this
     * @param viewSkewMillis   how much later than this gateway's view another gateway's view may count the same
     *                         usage offset (share rule)
     */
    public record Settings(FailMode failMode, long staleAfterMillis, long viewSkewMillis) {

        public Settings {
            Objects.requireNonNull(failMode, "failMode");
            if (staleAfterMillis <= 0 || viewSkewMillis < 0) {
                throw new IllegalArgumentException("staleAfterMillis " + staleAfterMillis + " and viewSkewMillis "
                        + viewSkewMillis + ": expected > 0 and >= 0");
            }
        }

        public static Settings defaults() {
            return new Settings(FailMode.OPEN, 30_000, 500);
        }

        public Settings withFailMode(FailMode mode, long staleAfter) {
            return new Settings(mode, staleAfter, viewSkewMillis);
        }

        public Settings withViewSkew(long millis) {
            return new Settings(failMode, staleAfterMillis, millis);
        }
    }

    /** Own admissions of one key; its monitor is the per-key lock. */
    private static final class KeyLedgers {
        final Map<String, ReservationLedger> perModel = new HashMap<>();
        final ReservationLedger acrossModels = new ReservationLedger();
        long sequence;

        ReservationLedger model(String model) {
            return perModel.computeIfAbsent(model, m -> new ReservationLedger());
        }
    }

    private final QuotaView view;
    private final LimitResolver limits;
    private final Calendars calendars;
    private final IntSupplier gateways;
    private final Settings settings;
    private final ConcurrentHashMap<String, KeyLedgers> ledgers = new ConcurrentHashMap<>();

    /** @param gateways the number of gateways sharing the limits now (the fleet's live size), at least 1 */
    public QuotaAdmission(QuotaView view, LimitResolver limits, Calendars calendars, IntSupplier gateways,
                          Settings settings) {
        this.view = Objects.requireNonNull(view, "view");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.calendars = Objects.requireNonNull(calendars, "calendars");
        this.gateways = Objects.requireNonNull(gateways, "gateways");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public AdmissionDecision tryAdmit(Caller caller, String model, long reservedTokens, long nowMillis) {
        Objects.requireNonNull(caller, "caller");
        Objects.requireNonNull(model, "model");
        String keyId = caller.keyId();
        if (keyId == null) {
            throw new IllegalArgumentException("caller " + caller + " has no key id; admission counts per API key");
        }
        if (reservedTokens < 0) {
            throw new IllegalArgumentException("reservedTokens is " + reservedTokens + "; expected >= 0");
        }
        AdmissionDecision stale = staleness(nowMillis);
        if (stale != null) {
            return stale;
        }
        EffectiveLimits effective = limits.limitsFor(keyId, model);
        TenantDay day = new TenantDay(calendars, caller.tenant(), nowMillis);
        int fleet = Math.max(1, gateways.getAsInt());
        KeyLedgers own = ledgers.computeIfAbsent(keyId, k -> new KeyLedgers());
        synchronized (own) {
            ReservationLedger modelLedger = own.model(model);
            // most tiers limit only across models: skip the sums nobody checks
            ScopeUsage perModel = usage(effective.perModel(), keyId, model, modelLedger, nowMillis, day, fleet);
            ScopeUsage across = usage(effective.acrossModels(), keyId, Keys.ALL_MODELS, own.acrossModels, nowMillis,
                    day, fleet);
            AdmissionDecision hold = check(effective, perModel, across, new Scope(keyId, model),
                    new Scope(keyId, Keys.ALL_MODELS), reservedTokens, nowMillis, fleet);
            if (hold != null) {
                return hold;
            }
            long sequence = ++own.sequence;
            modelLedger.add(nowMillis, sequence, reservedTokens);
            own.acrossModels.add(nowMillis, sequence, reservedTokens);
            return new AdmissionDecision.Admitted(
                    new AdmissionDecision.Reservation(keyId, model, reservedTokens, nowMillis, sequence),
                    ScopeUsage.remaining(effective, perModel, across, reservedTokens));
        }
    }

    @Override
    public void settle(AdmissionDecision.Reservation reservation, long actualTokens, long nowMillis) {
        if (actualTokens < 0) {
            throw new IllegalArgumentException("actualTokens is " + actualTokens + "; expected >= 0");
        }
        KeyLedgers own = reservation == null ? null : ledgers.get(reservation.keyId());
        if (own != null) {
            synchronized (own) {
                ReservationLedger modelLedger = own.perModel.get(reservation.model());
                if (modelLedger != null) {
                    modelLedger.settle(reservation.atMillis(), reservation.sequence(), actualTokens);
                }
                own.acrossModels.settle(reservation.atMillis(), reservation.sequence(), actualTokens);
            }
        }
    }

    @Override
    public void written(AdmissionDecision.Reservation reservation, int partition, long offset) {
        KeyLedgers own = reservation == null ? null : ledgers.get(reservation.keyId());
        if (own != null) {
            synchronized (own) {
                ReservationLedger modelLedger = own.perModel.get(reservation.model());
                if (modelLedger != null) {
                    modelLedger.written(reservation.atMillis(), reservation.sequence(), partition, offset);
                }
                own.acrossModels.written(reservation.atMillis(), reservation.sequence(), partition, offset);
            }
        }
    }

    private AdmissionDecision staleness(long now) {
        if (settings.failMode() != FailMode.CLOSED) {
            return null;
        }
        long staleness = view.stalenessMillis(now);
        if (staleness <= settings.staleAfterMillis()) {
            return null;
        }
        return new AdmissionDecision.Refused(AdmissionDecision.Kind.STALE_VIEW, "quota view stale", 1_000, 503,
                "quota view is " + (staleness == Long.MAX_VALUE ? "empty" : staleness + " ms old") + " (bound "
                        + settings.staleAfterMillis() + " ms); failing closed");
    }

    private ScopeUsage usage(RateLimits limit, String keyId, String model, ReservationLedger own, long now,
                             TenantDay day, int fleet) {
        if (limit.unlimited()) {
            return ScopeUsage.NONE;
        }
        boolean share = fleet > 1;
        long settled = share ? view.settledOffset(keyId, model, now, settings.viewSkewMillis()) : -1;
        return ScopeUsage.of(view.get(keyId, model), own, now, day, share, settled);
    }

    /**
     * What holds the call back, or null: a daily refusal first (waiting cannot help), then the longer wait of
     * the two scopes' windows (a refusal among them first), then this gateway's share.
     */
    private static AdmissionDecision check(EffectiveLimits effective, ScopeUsage perModel, ScopeUsage across,
                                           Scope modelScope, Scope allScope, long reservedTokens, long now, int fleet) {
        RateLimits m = effective.perModel();
        RateLimits a = effective.acrossModels();
        AdmissionDecision day = DailyQuotaCheck.check(m, perModel, modelScope, reservedTokens, now);
        if (day == null) {
            day = DailyQuotaCheck.check(a, across, allScope, reservedTokens, now);
        }
        if (day != null) {
            return day;
        }
        AdmissionDecision modelWindow = TrailingWindowCheck.check(m, perModel, modelScope, reservedTokens);
        AdmissionDecision allWindow = TrailingWindowCheck.check(a, across, allScope, reservedTokens);
        if (modelWindow instanceof AdmissionDecision.Refused || allWindow instanceof AdmissionDecision.Refused) {
            return modelWindow instanceof AdmissionDecision.Refused ? modelWindow : allWindow;
        }
        AdmissionDecision.Wait window = TrailingWindowCheck.longer((AdmissionDecision.Wait) modelWindow,
                (AdmissionDecision.Wait) allWindow);
        if (window != null) {
            return window;
        }
        AdmissionDecision.Wait share = ShareRule.check(m, perModel, modelScope, reservedTokens, fleet);
        return share != null ? share : ShareRule.check(a, across, allScope, reservedTokens, fleet);
    }
}
