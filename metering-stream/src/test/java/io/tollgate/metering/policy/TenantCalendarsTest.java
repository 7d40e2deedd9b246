package io.tollgate.metering.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.calendar.Calendar;
import io.tollgate.policy.calendar.Calendars;
import io.tollgate.policy.records.PolicyRecords;
import io.tollgate.policy.records.PolicySource;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.TenantPolicy;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TenantCalendarsTest {

    private final Map<String, Policy> records = new HashMap<>();
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicLong changes = new AtomicLong();
    private final PolicySource source = key -> {
        reads.incrementAndGet();
        return records.get(key);
    };
    private final Calendars calendars = new Calendars(source, new Calendar(ZoneOffset.UTC, 0));

    @Test
    void shouldDeriveATenantsCalendarOnceWhileNoPolicyRecordChanges() {
        // Given a tenant in Berlin with a 06:00 reset
        tenant("acme", "Europe/Berlin", 6);
        TenantCalendars tenants = new TenantCalendars(calendars, changes::get);

        // When its calendar is asked for many times
        Calendar first = tenants.of("acme");
        int readsAfterFirst = reads.get();
        for (int i = 0; i < 1_000; i++) {
            assertThat(tenants.of("acme")).isEqualTo(first);
        }

        // Then it is the tenant's, and the records were read for the first answer only
        assertThat(first).isEqualTo(new Calendar(ZoneId.of("Europe/Berlin"), 6));
        assertThat(reads.get()).isEqualTo(readsAfterFirst);
    }

    @Test
    void shouldFollowARecordChangeWhenTheUpdaterCountsIt() {
        // Given a tenant's calendar asked for once
        tenant("acme", "Europe/Berlin", 6);
        TenantCalendars tenants = new TenantCalendars(calendars, changes::get);
        assertThat(tenants.of("acme").zone()).isEqualTo(ZoneId.of("Europe/Berlin"));

        // When its record changes and the updater counts it
        tenant("acme", "America/New_York", 3);
        changes.incrementAndGet();

        // Then the next answer is the new calendar; a tenant without a record gets the organisation's
        assertThat(tenants.of("acme")).isEqualTo(new Calendar(ZoneId.of("America/New_York"), 3));
        assertThat(tenants.of("globex")).isEqualTo(new Calendar(ZoneOffset.UTC, 0));
        assertThat(tenants.of(null)).isEqualTo(new Calendar(ZoneOffset.UTC, 0));
    }

    @Test
    void shouldReadTheRecordsEveryTimeWhenTheCountIsUnknown() {
        // Given a source that cannot tell when records change
        tenant("acme", "Europe/Berlin", 6);
        TenantCalendars tenants = new TenantCalendars(calendars, () -> -1);
        tenants.of("acme");
        int before = reads.get();

        // When the record changes without any count
        tenant("acme", "Asia/Tokyo", 0);

        // Then the next answer has it, read afresh
        assertThat(tenants.of("acme")).isEqualTo(new Calendar(ZoneId.of("Asia/Tokyo"), 0));
        assertThat(reads.get()).isGreaterThan(before);
    }

    private void tenant(String name, String zone, int resetHour) {
        records.put(PolicyRecords.tenantKey(name), Policy.newBuilder()
                .setPolicy(TenantPolicy.newBuilder().setTenant(name).setZone(zone).setResetHour(resetHour).build()).build());
    }
}
