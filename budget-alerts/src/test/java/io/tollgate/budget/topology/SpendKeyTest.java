package io.tollgate.budget.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.SpendTotal;
import org.junit.jupiter.api.Test;

class SpendKeyTest {

    @Test
    void shouldNameTheBadKeyWhenAPeriodKeyIsMalformed() {
        assertThat(BudgetTopology.spendProblem("team:a@2026-13", SpendTotal.newBuilder().setScopeType(ScopeType.TEAM)
                .setScopeId("a").setPeriod(PeriodType.MONTH).setPeriodKey("2026-13").setCostMicros(0).build()))
                .contains("'2026-13'").contains("yyyy-MM");
    }
}
