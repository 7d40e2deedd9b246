package io.tollgate.policy.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.schemas.avro.OrgSettings;
import io.tollgate.schemas.avro.Policy;
import org.junit.jupiter.api.Test;

class QuotaWarningTest {

    @Test
    void shouldWordRequestAndTokenQuotasTheSameWayWhenReached() {
        QuotaWarning warning = new QuotaWarning(80);

        assertThat(warning.message(LimitKind.RPD, 412, 500L)).contains("412 of 500 daily requests used (82%)");
        assertThat(warning.message(LimitKind.TPD, 80_000, 100_000L)).contains("80000 of 100000 daily tokens used (80%)");
        assertThat(warning.message(LimitKind.TPD, 79_999, 100_000L)).isEmpty();
        assertThat(warning.message(LimitKind.RPD, 10, null)).isEmpty();
    }

    @Test
    void shouldRefuseToWarnAboutPerMinuteLimits() {
        assertThatThrownBy(() -> QuotaWarning.DEFAULT.message(LimitKind.RPM, 1, 1L))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rpd and tpd");
    }

    @Test
    void shouldTakeTheOrganisationShareOverTheServiceDefault() {
        PolicySnapshot policies = new PolicySnapshot();
        assertThat(QuotaWarning.of(policies, new QuotaWarning(90)).percent()).isEqualTo(90);

        policies.apply("org:settings", Policy.newBuilder().setPolicy(OrgSettings.newBuilder().setQuotaWarningPercent(60).build()).build());

        assertThat(QuotaWarning.of(policies, new QuotaWarning(90)).percent()).isEqualTo(60);
    }
}
