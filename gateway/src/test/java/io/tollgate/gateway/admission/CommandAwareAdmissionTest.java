package io.tollgate.gateway.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.gateway.routing.Caller;
import io.tollgate.gateway.routing.CommandView;
import io.tollgate.gateway.routing.Commands;
import io.tollgate.schemas.avro.ScopeType;
import org.junit.jupiter.api.Test;

class CommandAwareAdmissionTest {

    private static final Caller CALLER = new Caller("k-1", "acme", "support", "triage", "free", null);

    private final CommandView commands = new CommandView();
    private final Admission admission = new CommandAwareAdmission(Admission.unlimited(), commands);

    @Test
    void shouldRefuseWithForbiddenAndReasonWhenScopeBlocked() {
        Commands.apply(commands, Commands.block(ScopeType.TEAM, "support", "team support spent its daily budget",
                null, 403));

        AdmissionDecision decision = admission.tryAdmit(CALLER, "sim-large", 10, 1_000);

        assertThat(decision).isEqualTo(new AdmissionDecision.Refused(AdmissionDecision.Kind.BLOCKED,
                "blocked team:support by command BLOCK-TEAM-support", 0, 403, "team support spent its daily budget"));
    }

    @Test
    void shouldRefuseWithTooManyRequestsAndRetryAfterWhenBlockLapsesLater() {
        Commands.apply(commands, Commands.block(ScopeType.API_KEY, "k-1", "daily budget", 61_000L, 429));

        AdmissionDecision.Refused refused = (AdmissionDecision.Refused) admission.tryAdmit(CALLER, "m", 0, 1_000);

        assertThat(refused.httpStatus()).isEqualTo(429);
        assertThat(refused.retryAfterMillis()).isEqualTo(60_000);
        assertThat(refused.reason()).isEqualTo("daily budget (until 1970-01-01T00:01:01Z)");
    }

    @Test
    void shouldAskQuotaWhenOnlyDowngradeInForce() {
        Commands.apply(commands, Commands.downgrade(ScopeType.TEAM, "support", "small"));

        assertThat(admission.tryAdmit(CALLER, "m", 0, 0)).isInstanceOf(AdmissionDecision.Admitted.class);
    }

    @Test
    void shouldAdmitAgainWhenBlockRestored() {
        Commands.apply(commands, Commands.block(ScopeType.TENANT, "acme", "x", null, 403));
        assertThat(admission.tryAdmit(CALLER, "m", 0, 0)).isInstanceOf(AdmissionDecision.Refused.class);

        Commands.apply(commands, Commands.restore(ScopeType.TENANT, "acme"));

        assertThat(admission.tryAdmit(CALLER, "m", 0, 0)).isInstanceOf(AdmissionDecision.Admitted.class);
    }
}
