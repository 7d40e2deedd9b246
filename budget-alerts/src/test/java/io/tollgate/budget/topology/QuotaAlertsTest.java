package io.tollgate.budget.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.AlertKind;
import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.ModelLimit;
import io.tollgate.schemas.avro.QuotaStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuotaAlertsTest {

    private static final Instant NOON = Instant.parse("2026-11-21T12:00:00Z");
    private static final long DAY_END = Instant.parse("2026-11-22T00:00:00Z").toEpochMilli();

    @TempDir
    Path stateDir;

    private TopologyFixture fixture;

    @BeforeEach
    void open() {
        // Given key k-1 on the free tier: 500 requests a day over all models
        fixture = new TopologyFixture(stateDir, NOON);
        fixture.tier("free", List.of(limit("*", 500L)));
        fixture.apiKey("k-1", "free", List.of(limit("sim-large", 20L)));
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void shouldWarnAtTheWarningShareAndAlertWhenExhaustedOncePerDay() {
        // When the day's requests grow past 80 % and then to the quota, with repeats
        status("*", 399);
        assertThat(fixture.alerts.isEmpty()).isTrue();
        status("*", 400);
        List<BudgetAlert> warning = fixture.alerts.readValuesToList();
        status("*", 450);
        status("*", 400);
        assertThat(fixture.alerts.isEmpty()).isTrue();
        status("*", 500);
        List<BudgetAlert> exhausted = fixture.alerts.readValuesToList();
        status("*", 501);

        // Then one warning and one exhaustion alert, keyed by the API key's scope
        assertThat(warning).extracting(BudgetAlert::getAlertId).containsExactly("api_key:k-1@2026-11-21#QUOTA_WARNING:80");
        assertThat(warning.getFirst().getMessage()).contains("k-1", "80%", "400 of 500");
        assertThat(exhausted).extracting(BudgetAlert::getKind).containsExactly(AlertKind.QUOTA_EXHAUSTED);
        assertThat(fixture.alerts.isEmpty()).isTrue();
    }

    @Test
    void shouldWarnThenAlertExhaustedWhenOneSnapshotJumpsPastBoth() {
        fixture.alerts.readRecordsToList();
        fixture.quota.pipeInput(Keys.quota("k-1", "*"), snapshot("*", 600), NOON.toEpochMilli());

        var records = fixture.alerts.readRecordsToList();
        assertThat(records).extracting(r -> r.value().getKind()).containsExactly(AlertKind.QUOTA_WARNING, AlertKind.QUOTA_EXHAUSTED);
        assertThat(records).extracting(r -> r.key()).containsOnly("api_key:k-1");
    }

    @Test
    void shouldUseTheOrganisationsWarningShareAndTheKeysModelOverride() {
        // Given the organisation warns at 50 %, and k-1 may call sim-large 20 times a day
        fixture.orgSettings("UTC", 50);

        status("sim-large", 10);
        status("sim-large", 20);

        assertThat(fixture.alerts.readValuesToList()).extracting(BudgetAlert::getAlertId).containsExactly(
                "api_key:k-1@2026-11-21#QUOTA_WARNING:50/sim-large",
                "api_key:k-1@2026-11-21#QUOTA_EXHAUSTED:100/sim-large");
    }

    @Test
    void shouldIgnoreModelsWithoutADailyQuotaAndDaysThatAreOver() {
        status("sim-small", 10_000);
        fixture.jump(Duration.ofHours(13)); // now 2026-11-22T01:00Z
        status("*", 500);

        assertThat(fixture.alerts.isEmpty()).isTrue();
    }

    @Test
    void shouldNotRepeatQuotaAlertsAfterARestart() {
        status("*", 420);
        fixture.alerts.readValuesToList();

        fixture.restart();
        status("*", 420);
        status("*", 500);

        assertThat(fixture.alerts.readValuesToList()).extracting(BudgetAlert::getKind).containsExactly(AlertKind.QUOTA_EXHAUSTED);
    }

    @Test
    void shouldWarnOnTheSeedTierQuotaWhenTheTierHasNoPolicy() {
        // Given a key on tier1 with no tier1 record: the seed tier's 10,000 requests a day apply, as at the gateway
        fixture.apiKey("k-seed", "tier1", List.of());

        fixture.quota.pipeInput(Keys.quota("k-seed", "*"), snapshot("k-seed", "*", 8_000, 0), fixture.now());

        List<BudgetAlert> alerts = fixture.alerts.readValuesToList();
        assertThat(alerts).extracting(BudgetAlert::getAlertId).containsExactly("api_key:k-seed@2026-11-21#QUOTA_WARNING:80");
        assertThat(alerts.getFirst().getQuotaKind()).isEqualTo("rpd");
        assertThat(alerts.getFirst().getQuotaUsed()).isEqualTo(8_000);
        assertThat(alerts.getFirst().getQuotaLimit()).isEqualTo(10_000);
    }

    @Test
    void shouldWarnAndAlertOnTheTokensPerDayQuotaInTokens() {
        // Given k-tok may use 100,000 tokens a day
        fixture.tier("tokens", List.of(ModelLimit.newBuilder().setModel("*").setTokensPerDay(100_000L).build()));
        fixture.apiKey("k-tok", "tokens", List.of());

        fixture.quota.pipeInput(Keys.quota("k-tok", "*"), snapshot("k-tok", "*", 3, 85_000), fixture.now());
        fixture.quota.pipeInput(Keys.quota("k-tok", "*"), snapshot("k-tok", "*", 4, 100_000), fixture.now());

        List<BudgetAlert> alerts = fixture.alerts.readValuesToList();
        assertThat(alerts).extracting(BudgetAlert::getAlertId).containsExactly(
                "api_key:k-tok@2026-11-21#QUOTA_WARNING:80/tpd", "api_key:k-tok@2026-11-21#QUOTA_EXHAUSTED:100/tpd");
        assertThat(alerts.getFirst().getMessage()).contains("daily token quota", "85000 of 100000 tokens")
                .doesNotContain("$");
        assertThat(alerts).extracting(BudgetAlert::getQuotaKind).containsOnly("tpd");
        assertThat(alerts.get(1).getQuotaUsed()).isEqualTo(100_000);
    }

    private void status(String model, long dayRequests) {
        fixture.quota.pipeInput(Keys.quota("k-1", model), snapshot(model, dayRequests), fixture.now());
    }

    private static QuotaStatus snapshot(String model, long dayRequests) {
        return snapshot("k-1", model, dayRequests, 0);
    }

    private static QuotaStatus snapshot(String key, String model, long dayRequests, long dayTokens) {
        return QuotaStatus.newBuilder().setApiKeyId(key).setModel(model).setDayKey("2026-11-21")
                .setDayStartMillis(DAY_END - Duration.ofDays(1).toMillis()).setDayEndMillis(DAY_END)
                .setDayRequests(dayRequests).setDayTokens(dayTokens).setUpdatedAt(NOON.toEpochMilli()).build();
    }

    private static ModelLimit limit(String model, Long requestsPerDay) {
        return ModelLimit.newBuilder().setModel(model).setRequestsPerDay(requestsPerDay).build();
    }
}
