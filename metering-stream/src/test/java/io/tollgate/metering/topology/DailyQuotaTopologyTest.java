package io.tollgate.metering.topology;

import static io.tollgate.metering.topology.TopologyFixture.request;
import static io.tollgate.metering.topology.TopologyFixture.response;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.metering.daily.DayTotals;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.TenantPolicy;
import io.tollgate.schemas.avro.UsageEvent;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class DailyQuotaTopologyTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static Instant at(String offsetDateTime) {
        return OffsetDateTime.parse(offsetDateTime).toInstant();
    }

    private static DayTotals day(TopologyFixture fx, String key) {
        return fx.<DayTotals>store(DailyQuotaTopology.DAILY_STORE).get(key);
    }

    @Test
    void shouldSpan23HoursWhenClocksSpringForward() {
        try (TopologyFixture fx = new TopologyFixture(BERLIN, 0, Duration.ofSeconds(10), false,
                Instant.parse("2026-03-31T00:00:00Z"))) {
            // Given events at the first and last hour of Berlin's 2026-03-29, and just after it
            fx.send(request("c1", "k1", "m", at("2026-03-29T00:30:00+01:00"), 10, 1));
            fx.send(request("c2", "k1", "m", at("2026-03-29T23:30:00+02:00"), 20, 1));
            fx.send(request("c3", "k1", "m", at("2026-03-30T00:10:00+02:00"), 40, 1));

            // Then the day is 23 hours long and holds the first two
            DayTotals d = day(fx, "k1|*@2026-03-29");
            assertThat(d.endMillis() - d.startMillis()).isEqualTo(Duration.ofHours(23).toMillis());
            assertThat(d.requests()).isEqualTo(2);
            assertThat(d.tokens()).isEqualTo(30);
            assertThat(day(fx, "k1|m@2026-03-30").tokens()).isEqualTo(40);
        }
    }

    @Test
    void shouldSpan25HoursWhenClocksFallBack() {
        try (TopologyFixture fx = new TopologyFixture(BERLIN, 0, Duration.ofSeconds(10))) {
            fx.send(request("c1", "k1", "m", at("2026-10-25T00:05:00+02:00"), 10, 1));
            fx.send(request("c2", "k1", "m", at("2026-10-25T23:55:00+01:00"), 20, 1));
            fx.send(request("c3", "k1", "m", at("2026-10-26T00:00:00+01:00"), 40, 1));

            DayTotals d = day(fx, "k1|m@2026-10-25");
            assertThat(d.endMillis() - d.startMillis()).isEqualTo(Duration.ofHours(25).toMillis());
            assertThat(d.tokens()).isEqualTo(30);
            assertThat(day(fx, "k1|m@2026-10-26").tokens()).isEqualTo(40);
        }
    }

    @Test
    void shouldStartDayAtResetHourWhenConfigured() {
        try (TopologyFixture fx = new TopologyFixture(BERLIN, 6, Duration.ofSeconds(10))) {
            fx.send(request("c1", "k1", "m", at("2026-11-21T05:59:59+01:00"), 10, 1));
            fx.send(request("c2", "k1", "m", at("2026-11-21T06:00:00+01:00"), 20, 1));

            assertThat(day(fx, "k1|m@2026-11-20").tokens()).isEqualTo(10);
            assertThat(day(fx, "k1|m@2026-11-21").tokens()).isEqualTo(20);
        }
    }

    @Test
    void shouldSettleResponseInRequestDayWhenCallStraddlesMidnight() {
        try (TopologyFixture fx = new TopologyFixture()) {
            // Given a reservation of 1000 tokens just before midnight UTC, settled at 400 just after
            UsageEvent req = request("c1", "k1", "m", at("2026-11-21T23:59:59.500Z"), 1000, 1);
            fx.send(req);
            fx.send(response(req, at("2026-11-22T00:00:01Z"), 400, 1));

            // Then the first day holds the exact 400 and the next day nothing
            assertThat(day(fx, "k1|m@2026-11-21").tokens()).isEqualTo(400);
            assertThat(day(fx, "k1|m@2026-11-22")).isNull();
        }
    }

    @Test
    void shouldUseTenantCalendarWhenPolicyOverridesIt() {
        try (TopologyFixture fx = new TopologyFixture()) {
            // Given tenant acme on New York time with a 06:00 reset
            fx.policies.pipeInput("tenant:acme", Policy.newBuilder()
                    .setPolicy(new TenantPolicy("acme", "America/New_York", 6)).build());

            // When an event arrives at 10:00 UTC (05:00 in New York)
            fx.send(request("c1", "k1", "m", at("2026-11-21T10:00:00Z"), 10, 1));

            // Then it belongs to New York's 2026-11-20 quota day
            DayTotals d = day(fx, "k1|m@2026-11-20");
            assertThat(d.tokens()).isEqualTo(10);
            assertThat(Instant.ofEpochMilli(d.startMillis())).isEqualTo(at("2026-11-20T06:00:00-05:00"));
        }
    }

    @Test
    void shouldUseTheNewTenantCalendarForLaterEventsWhenThePolicyChangesWhileRunning() {
        try (TopologyFixture fx = new TopologyFixture()) {
            // Given an event of tenant acme counted on the default calendar (UTC), which the processors have now read
            fx.send(request("c1", "k1", "m", at("2026-11-21T10:00:00Z"), 10, 1));
            assertThat(day(fx, "k1|m@2026-11-21").tokens()).isEqualTo(10);

            // When acme moves to New York time with a 06:00 reset
            fx.policies.pipeInput("tenant:acme", Policy.newBuilder()
                    .setPolicy(new TenantPolicy("acme", "America/New_York", 6)).build());
            fx.send(request("c2", "k1", "m", at("2026-11-21T10:30:00Z"), 20, 1));

            // Then the next event counts in New York's 2026-11-20 quota day, not the UTC day it would have before
            assertThat(day(fx, "k1|m@2026-11-20").tokens()).isEqualTo(20);
            assertThat(day(fx, "k1|m@2026-11-21").tokens()).isEqualTo(10);
        }
    }
}
