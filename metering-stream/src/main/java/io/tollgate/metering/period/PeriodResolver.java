package io.tollgate.metering.period;

import io.tollgate.policy.calendar.Periods;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.TenantPolicy;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calendar periods of a tenant: the org zone and reset hour from configuration, overridden per tenant by
 * {@code tenant:<name>} records of {@code tollgate.policies.v1} (kept raw in a global store). Parsed
 * overrides are cached and re-read only when the stored bytes change. One instance per processor.
 */
public final class PeriodResolver {

    private static final Logger LOG = LoggerFactory.getLogger(PeriodResolver.class);

    /** A tenant's effective period settings. */
    public record Calendar(ZoneId zone, int resetHour) {
        public Periods.Period period(PeriodType type, long epochMillis) {
            return Periods.of(type, epochMillis, zone, resetHour);
        }
    }

    private record Cached(byte[] raw, Calendar calendar) {
    }

    private final Calendar org;
    private final ReadOnlyKeyValueStore<String, byte[]> policies;
    private final Deserializer<Policy> deserializer;
    private final Map<String, Cached> cache = new HashMap<>();

    public PeriodResolver(ZoneId zone, int resetHour, ReadOnlyKeyValueStore<String, byte[]> policies,
                          Deserializer<Policy> deserializer) {
        this.org = new Calendar(zone, resetHour);
        this.policies = policies;
        this.deserializer = deserializer;
    }

    public Calendar org() {
        return org;
    }

    public Calendar calendar(String tenant) {
        byte[] raw = policies == null ? null : policies.get("tenant:" + tenant);
        if (raw == null) {
            return org;
        }
        Cached cached = cache.get(tenant);
        if (cached != null && Arrays.equals(cached.raw(), raw)) {
            return cached.calendar();
        }
        Calendar calendar = parse(tenant, raw);
        cache.put(tenant, new Cached(raw, calendar));
        return calendar;
    }

    public Periods.Period period(PeriodType type, String tenant, long epochMillis) {
        return calendar(tenant).period(type, epochMillis);
    }

    private Calendar parse(String tenant, byte[] raw) {
        try {
            Policy policy = deserializer.deserialize(io.tollgate.schemas.Topics.POLICIES, raw);
            if (!(policy.getPolicy() instanceof TenantPolicy t)) {
                LOG.warn("policy 'tenant:{}' is a {}, not a TenantPolicy; using the org calendar", tenant,
                        policy.getPolicy().getClass().getSimpleName());
                return org;
            }
            ZoneId zone = t.getZone() == null ? org.zone() : ZoneId.of(t.getZone());
            int resetHour = t.getResetHour() == null ? org.resetHour() : t.getResetHour();
            if (resetHour < 0 || resetHour > 23) {
                LOG.warn("policy 'tenant:{}' has reset hour {} outside 0..23; using {}", tenant, resetHour, org.resetHour());
                resetHour = org.resetHour();
            }
            return new Calendar(zone, resetHour);
        } catch (RuntimeException e) {
            LOG.warn("policy 'tenant:{}' is unreadable ({}); using the org calendar", tenant, e.getMessage());
            return org;
        }
    }
}
