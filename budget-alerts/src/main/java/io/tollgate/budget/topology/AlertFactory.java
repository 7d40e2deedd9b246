package io.tollgate.budget.topology;

import io.tollgate.policy.limits.LimitKind;
import io.tollgate.policy.limits.QuotaWarning;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.AlertKind;
import io.tollgate.schemas.avro.AmountByName;
import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.ScopeType;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Builds alerts with their deterministic id, the top spenders and a sentence a person can read. */
public final class AlertFactory {

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z", Locale.ROOT);

    private final int topN;

    public AlertFactory(int topN) {
        this.topN = topN;
    }

    /** {@code <scope>@<periodKey>#<kind>:<threshold>}, e.g. {@code team:acme@2026-11-21#BUDGET_THRESHOLD:80}. */
    public static String alertId(String scope, String periodKey, AlertKind kind, int threshold) {
        return scope + '@' + periodKey + '#' + kind.name() + ':' + threshold;
    }

    BudgetAlert threshold(BudgetState s, int threshold, long now) {
        String text = String.format(Locale.ROOT, "%s has spent %s of its %s budget of %s for %s (%.1f%%), passing %d%%.%s",
                s.scope(), usd(s.spendMicros()), periodWord(s.period()), usd(s.terms().limitMicros()), s.periodKey(),
                s.sharePercent(), threshold, consequence(s, threshold) + tops(s));
        return budgetAlert(s, AlertKind.BUDGET_THRESHOLD, threshold, s.terms().limitMicros(), s.sharePercent(), null, text, now);
    }

    BudgetAlert hardLimit(BudgetState s, long now) {
        long hard = s.terms().hardLimitMicros();
        double share = s.spendMicros() * 100.0 / hard;
        String text = String.format(Locale.ROOT, "%s has reached its hard limit of %s for %s (spent %s): calls are blocked until %s.%s",
                s.scope(), usd(hard), s.periodKey(), usd(s.spendMicros()), until(s), tops(s));
        return budgetAlert(s, AlertKind.HARD_LIMIT, 100, hard, share, null, text, now);
    }

    BudgetAlert predictedExhaustion(BudgetState s, long exhaustionAt, long microsPerHour, long now) {
        String text = String.format(Locale.ROOT, "%s is spending %s per hour and will use up its %s budget of %s for %s by %s"
                        + " (spent %s, %.1f%%).%s",
                s.scope(), usd(microsPerHour), periodWord(s.period()), usd(s.terms().limitMicros()), s.periodKey(),
                WHEN.format(Instant.ofEpochMilli(exhaustionAt).atZone(ZoneId.of(s.terms().zone()))),
                usd(s.spendMicros()), s.sharePercent(), tops(s));
        return budgetAlert(s, AlertKind.PREDICTED_EXHAUSTION, 100, s.terms().limitMicros(), s.sharePercent(), exhaustionAt, text, now);
    }

    /**
     * A daily quota alert of {@code quota} (RPD or TPD); {@code model} '*' means all models of the key together.
     * Id: {@code api_key:<key>@<day>#<kind>:<threshold>}, then {@code /tpd} for token quotas and {@code /<model>}
     * for a single model's.
     */
    public BudgetAlert quota(String apiKeyId, String model, String dayKey, LimitKind quota, AlertKind kind,
                             QuotaWarning warning, long used, long limit, long now) {
        String scope = Keys.scope(ScopeType.API_KEY, apiKeyId);
        int threshold = kind == AlertKind.QUOTA_EXHAUSTED ? 100 : warning.percent();
        String id = alertId(scope, dayKey, kind, threshold) + (quota == LimitKind.TPD ? "/tpd" : "")
                + (Keys.ALL_MODELS.equals(model) ? "" : "/" + model);
        String what = "daily " + (quota == LimitKind.TPD ? "token" : "request") + " quota"
                + (Keys.ALL_MODELS.equals(model) ? "" : " for " + model);
        String text = kind == AlertKind.QUOTA_EXHAUSTED
                ? String.format(Locale.ROOT, "API key %s has used its %s (%d of %d %s on %s); further calls are refused until the day resets.",
                        apiKeyId, what, used, limit, quota.unit(), dayKey)
                : String.format(Locale.ROOT, "API key %s has used %d%% of its %s (%d of %d %s on %s).",
                        apiKeyId, used * 100 / limit, what, used, limit, quota.unit(), dayKey);
        return BudgetAlert.newBuilder()
                .setAlertId(id).setKind(kind).setScopeType(ScopeType.API_KEY).setScopeId(apiKeyId)
                .setPeriod(PeriodType.DAY).setPeriodKey(dayKey).setThresholdPercent(threshold)
                .setSharePercent(used * 100.0 / limit).setMessage(text).setTimestamp(now)
                .setQuotaKind(quota.label()).setQuotaUsed(used).setQuotaLimit(limit)
                .build();
    }

    private BudgetAlert budgetAlert(BudgetState s, AlertKind kind, int threshold, long budget, double share,
                                    Long predictedAt, String text, long now) {
        return BudgetAlert.newBuilder()
                .setAlertId(alertId(s.scope(), s.periodKey(), kind, threshold))
                .setKind(kind).setScopeType(s.scopeType()).setScopeId(s.scopeId())
                .setPeriod(s.period()).setPeriodKey(s.periodKey()).setThresholdPercent(threshold)
                .setBudgetMicros(budget).setSpendMicros(s.spendMicros()).setSharePercent(share)
                .setPredictedExhaustionAt(predictedAt)
                .setTopModels(top(s.costByModel())).setTopAgents(top(s.costByAgent()))
                .setMessage(text).setTimestamp(now)
                .build();
    }

    List<AmountByName> top(Map<String, Long> amounts) {
        return amounts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
                .limit(topN)
                .map(e -> new AmountByName(e.getKey(), e.getValue()))
                .toList();
    }

    private String tops(BudgetState s) {
        String models = top(s.costByModel()).stream().map(a -> a.getName() + " " + usd(a.getAmount())).collect(Collectors.joining(", "));
        String agents = top(s.costByAgent()).stream().map(a -> a.getName() + " " + usd(a.getAmount())).collect(Collectors.joining(", "));
        return (models.isEmpty() ? "" : " Top models: " + models + ".") + (agents.isEmpty() ? "" : " Top agents: " + agents + ".");
    }

    private static String consequence(BudgetState s, int threshold) {
        if (threshold < 100) {
            return "";
        }
        return switch (s.terms().action()) {
            case ALERT -> "";
            case DOWNGRADE -> " Calls are served by " + s.terms().downgradeTo() + " until " + until(s) + ".";
            case BLOCK -> " Calls are blocked until " + until(s) + ".";
        };
    }

    private static String until(BudgetState s) {
        return s.periodEndMillis() == Long.MAX_VALUE ? "the budget is raised"
                : WHEN.format(Instant.ofEpochMilli(s.periodEndMillis()).atZone(ZoneId.of(s.terms().zone())));
    }

    private static String periodWord(PeriodType period) {
        return switch (period) {
            case DAY -> "daily";
            case MONTH -> "monthly";
            case LIFETIME -> "lifetime";
        };
    }

    /** Micro-dollars as dollars: 2 decimals, more when needed ($0.0015). */
    static String usd(long micros) {
        BigDecimal dollars = BigDecimal.valueOf(micros, 6).stripTrailingZeros();
        if (dollars.scale() < 2) {
            dollars = dollars.setScale(2, RoundingMode.UNNECESSARY);
        }
        return "$" + dollars.toPlainString();
    }
}
