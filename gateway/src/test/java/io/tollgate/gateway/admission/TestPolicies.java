package io.tollgate.gateway.admission;

import io.tollgate.policy.calendar.Calendar;
import io.tollgate.policy.calendar.Calendars;
import io.tollgate.policy.limits.LimitResolver;
import io.tollgate.policy.limits.RateLimits;
import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.ModelLimit;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.TenantPolicy;
import io.tollgate.schemas.avro.TierPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Policy records for admission tests: keys on tiers whose limits the test gives, tenants with their days. */
final class TestPolicies {

    final PolicySnapshot snapshot = new PolicySnapshot();
    final LimitResolver limits = new LimitResolver(snapshot);
    final Calendars calendars = new Calendars(snapshot, Calendar.UTC);

    /** Key {@code keyId} of {@code tenant} on a tier of its own with {@code limits} by model ({@code "*"}: across). */
    TestPolicies key(String keyId, String tenant, Map<String, RateLimits> limits) {
        List<ModelLimit> entries = new ArrayList<>();
        limits.forEach((model, l) -> entries.add(ModelLimit.newBuilder().setModel(model)
                .setRequestsPerMinute(l.requestsPerMinute()).setTokensPerMinute(l.tokensPerMinute())
                .setRequestsPerDay(l.requestsPerDay()).setTokensPerDay(l.tokensPerDay()).build()));
        String tier = "tier-of-" + keyId;
        snapshot.apply("tier:" + tier, Policy.newBuilder()
                .setPolicy(TierPolicy.newBuilder().setName(tier).setLimits(entries).build()).build());
        snapshot.apply("key:" + keyId, Policy.newBuilder().setPolicy(ApiKeyPolicy.newBuilder().setKeyId(keyId)
                .setKeyHash(String.format("%064x", keyId.hashCode() & 0xffffffffL)).setTenant(tenant).setTeam("team")
                .setAgent("agent").setTier(tier).build()).build());
        return this;
    }

    /** The days of {@code tenant}'s quotas start at {@code resetHour} UTC. */
    TestPolicies tenantDay(String tenant, int resetHour) {
        snapshot.apply("tenant:" + tenant, Policy.newBuilder().setPolicy(TenantPolicy.newBuilder().setTenant(tenant)
                .setZone("UTC").setResetHour(resetHour).build()).build());
        return this;
    }
}
