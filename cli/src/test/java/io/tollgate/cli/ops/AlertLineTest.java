package io.tollgate.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schemas.avro.AlertKind;
import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.ScopeType;
import org.junit.jupiter.api.Test;

class AlertLineTest {

    private static BudgetAlert.Builder alert(AlertKind kind) {
        return BudgetAlert.newBuilder().setAlertId("id").setKind(kind).setScopeType(ScopeType.API_KEY).setScopeId("k-1")
                .setPeriod(PeriodType.DAY).setPeriodKey("2026-12-04").setMessage("m").setTimestamp(0);
    }

    @Test
    void shouldPrintQuotaAlertsInRequestsOrTokensNotDollars() {
        String requests = AlertsCommand.Tail.line(alert(AlertKind.QUOTA_WARNING).setQuotaKind("rpd").setQuotaUsed(412)
                .setQuotaLimit(500).setSharePercent(82.4).build());
        String tokens = AlertsCommand.Tail.line(alert(AlertKind.QUOTA_EXHAUSTED).setQuotaKind("tpd").setQuotaUsed(100_000)
                .setQuotaLimit(100_000).setSharePercent(100).build());

        assertThat(requests).contains("412 of 500 requests (82.4%)").doesNotContain("$");
        assertThat(tokens).contains("100000 of 100000 tokens (100.0%)").doesNotContain("$");
    }

    @Test
    void shouldPrintBudgetAlertsInDollars() {
        String line = AlertsCommand.Tail.line(alert(AlertKind.BUDGET_THRESHOLD).setScopeType(ScopeType.TEAM)
                .setScopeId("acme").setSpendMicros(800_000).setBudgetMicros(1_000_000).setSharePercent(80).build());

        assertThat(line).contains("team:acme").contains("$0.800000 of $1.000000 (80.0%)");
    }
}
