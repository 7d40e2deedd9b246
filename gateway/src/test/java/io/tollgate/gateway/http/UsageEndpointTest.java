package io.tollgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.gateway.admission.QuotaView;
import io.tollgate.gateway.auth.KeyRecord;
import io.tollgate.policy.calendar.Calendar;
import io.tollgate.policy.calendar.Calendars;
import io.tollgate.policy.limits.LimitResolver;
import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.ModelLimit;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.TierPolicy;
import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.avro.UsageBucket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UsageEndpointTest {

    private static final long NOW = 1_763_773_230_000L; // 2025-11-22T01:00:30Z
    private static final long DAY_START = 1_763_769_600_000L; // 2025-11-22T00:00:00Z
    private static final KeyRecord KEY = new KeyRecord("k-1", "00", "acme", "research", "planner", "tier-it", List.of(),
            false);

    private static QuotaStatus status(String model, long dayRequests, long dayTokens, List<UsageBucket> buckets) {
        return QuotaStatus.newBuilder().setApiKeyId("k-1").setModel(model).setBucketMillis(1000).setBuckets(buckets)
                .setDayKey("2025-11-22").setDayStartMillis(DAY_START).setDayEndMillis(DAY_START + 86_400_000L)
                .setDayRequests(dayRequests).setDayTokens(dayTokens).setLastEventTime(NOW - 1_000).setUpdatedAt(NOW - 500)
                .build();
    }

    private static UsageBucket bucket(long start, long requests, long tokens) {
        return UsageBucket.newBuilder().setStartMillis(start).setRequests(requests).setTokens(tokens).build();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> entry(Map<String, Object> usage, String model) {
        return ((List<Map<String, Object>>) usage.get("data")).stream().filter(e -> model.equals(e.get("model")))
                .findFirst().orElseThrow(() -> new AssertionError("no entry for " + model + " in " + usage));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> part(Map<String, Object> entry, String name) {
        return (Map<String, Object>) entry.get(name);
    }

    @Test
    void shouldCountTheTrailingMinuteAndTodayAgainstTheKeysLimitsWhenTheViewHasTheKey() {
        // Given the view: across models 7 requests today, 2 of them in the trailing minute (one bucket is older)
        QuotaView view = new QuotaView();
        view.apply(Keys.quota("k-1", "*"), status("*", 7, 700, List.of(bucket(NOW - 90_000, 5, 500),
                bucket(NOW - 30_000, 1, 100), bucket(NOW - 1_000, 1, 100))));
        view.apply(Keys.quota("k-1", "sim-small"), status("sim-small", 7, 700, List.of(bucket(NOW - 1_000, 1, 100))));
        PolicySnapshot policies = new PolicySnapshot();
        policies.apply("key:k-1", Policy.newBuilder().setPolicy(ApiKeyPolicy.newBuilder().setKeyId("k-1").setKeyHash("0".repeat(64))
                .setTenant("acme").setTeam("research").setAgent("planner").setTier("tier-it").build()).build());
        policies.apply("tier:tier-it", Policy.newBuilder().setPolicy(new TierPolicy("tier-it", List.of(
                ModelLimit.newBuilder().setModel("*").setRequestsPerMinute(60L).setRequestsPerDay(10L).build(),
                ModelLimit.newBuilder().setModel("sim-small").setTokensPerMinute(1_000L).build()))).build());
        UsageEndpoint endpoint = new UsageEndpoint(UsageEndpoint.Source.of(view, new LimitResolver(policies),
                new Calendars(policies, Calendar.UTC)), () -> NOW);

        // When the key asks, naming a model it has not used
        Map<String, Object> usage = endpoint.usage(KEY, "sim-large", NOW);

        // Then
        assertThat(usage).containsEntry("key_id", "k-1").containsEntry("tenant", "acme").containsEntry("tier", "tier-it");
        Map<String, Object> all = entry(usage, "*");
        assertThat(part(all, "today")).containsEntry("day", "2025-11-22").containsEntry("requests", 7L)
                .containsEntry("limit_requests", 10L).containsEntry("remaining_requests", 3L)
                .containsEntry("limit_tokens", null).containsEntry("remaining_tokens", null);
        assertThat(part(all, "minute")).containsEntry("requests", 2L).containsEntry("tokens", 200L)
                .containsEntry("limit_requests", 60L).containsEntry("remaining_requests", 58L);
        assertThat(all).containsEntry("as_of", NOW - 500);
        assertThat(part(entry(usage, "sim-small"), "minute")).containsEntry("tokens", 100L)
                .containsEntry("limit_tokens", 1_000L).containsEntry("remaining_tokens", 900L);
        assertThat(part(entry(usage, "sim-large"), "today")).containsEntry("requests", 0L).containsEntry("day", "2025-11-22");
        assertThat(entry(usage, "sim-large")).containsEntry("as_of", null);
    }

    @Test
    void shouldShowTheAcrossModelsEntryWithNothingUsedWhenTheViewDoesNotKnowTheKey() {
        UsageEndpoint endpoint = new UsageEndpoint(UsageEndpoint.Source.none(), () -> NOW);

        Map<String, Object> usage = endpoint.usage(KEY, null, NOW);

        assertThat((List<?>) usage.get("data")).hasSize(1);
        assertThat(part(entry(usage, "*"), "today")).containsEntry("requests", 0L).containsEntry("limit_requests", null)
                .containsEntry("remaining_requests", null);
    }
}
