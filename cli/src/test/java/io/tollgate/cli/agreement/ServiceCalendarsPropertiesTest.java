package io.tollgate.cli.agreement;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.budget.config.ConfigLoader;
import io.tollgate.budget.topology.BudgetPolicies;
import io.tollgate.budget.topology.BudgetTopology;
import io.tollgate.gateway.catalog.CatalogDefaults;
import io.tollgate.gateway.catalog.ModelCatalog;
import io.tollgate.gateway.control.ControlPlane;
import io.tollgate.policy.topic.CompactedView;
import io.tollgate.gateway.control.ControlSettings;
import io.tollgate.gateway.resilience.ControlStats;
import io.tollgate.gateway.routing.LiveRouting;
import io.tollgate.metering.config.MeteringConfig;
import io.tollgate.metering.config.MeteringConfigLoader;
import io.tollgate.metering.metrics.MeteringMetrics;
import io.tollgate.metering.topology.MeteringTopology;
import io.tollgate.metering.topology.TopologySettings;
import io.tollgate.policy.calendar.Calendar;
import io.tollgate.policy.calendar.Calendars;
import io.tollgate.policy.calendar.Periods.Period;
import io.tollgate.policy.records.PolicyRecords;
import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.BudgetAction;
import io.tollgate.schemas.avro.BudgetPolicy;
import io.tollgate.schemas.avro.OrgSettings;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.TenantPolicy;
import io.tollgate.schemas.policy.PolicyFileParser;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * The three services put every instant in the same period with the same bounds, for generated policies: each
 * service is built by its own configuration loader from {@code TOLLGATE_ZONE} and {@code TOLLGATE_RESET_HOUR}, as a
 * deployment sets them (the gateway's policy file names another organisation calendar, which they override) and reads
 * the same policy records its own way (the gateway a {@link PolicySnapshot}, metering-stream the raw bytes of its
 * global store, budget-alerts the decoded records of its store). For random zones (±14 h, half- and quarter-hour
 * offsets, DST zones), reset hours, zones that do not parse, records that are absent, and instants around
 * midnights, reset hours, DST changes and month ends, every service's day of a tenant's quotas and period of a
 * scope's spend and budget equals the others' and the one worked out here with {@code java.time} from the
 * precedence rule (budget zone, tenant, organisation, configured default). Seeded: a failure names a case that
 * reproduces.
 */
class ServiceCalendarsPropertiesTest {

    private static final List<String> ZONES = List.of("Pacific/Kiritimati", "Pacific/Niue", "Pacific/Pago_Pago",
            "Asia/Kathmandu", "Asia/Kolkata", "Australia/Lord_Howe", "America/St_Johns", "Pacific/Chatham",
            "Europe/Berlin", "America/New_York", "America/Santiago", "Asia/Tehran", "Europe/London", "UTC",
            "Mars/Olympus_Mons", "");
    private static final List<String> TENANTS = List.of("t0", "t1", "t2");
    private static final int WORLDS = 150;
    private static final int INSTANTS = 40;
    private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyyy-MM");

    /** What a deployment configures and what its policy topic holds. */
    private record World(String defaultZone, int defaultResetHour, OrgSettings org, Map<String, TenantPolicy> tenants,
                         Map<String, String> teamTenant, Map<String, Policy> records) {

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("default ").append(defaultZone).append('/').append(defaultResetHour)
                    .append(", org ").append(org == null ? "none" : org.getZone() + "/" + org.getResetHour());
            tenants.values().forEach(t -> b.append(", tenant ").append(t.getTenant()).append(' ').append(t.getZone())
                    .append('/').append(t.getResetHour()));
            records.values().stream().filter(p -> p.getPolicy() instanceof BudgetPolicy).map(p -> (BudgetPolicy) p.getPolicy())
                    .forEach(bp -> b.append(", budget ").append(bp.getScopeId()).append('@').append(bp.getPeriod())
                            .append(' ').append(bp.getZone()));
            return b.toString();
        }
    }

    /** The three services over one world. */
    private record Services(Calendars gateway, Calendars metering, BudgetPolicies budget) {
    }

    @Test
    void shouldPutEveryInstantInTheSamePeriodWithTheSameBoundsInEveryService() throws Exception {
        Random random = new Random(20261205L);
        Serializer<Policy> serializer = Topics.forRegistry("mock://service-calendars").policies().valueSerde().serializer();
        int compared = 0;
        for (int w = 0; w < WORLDS; w++) {
            World world = world(random);
            Services services = services(world, serializer);
            for (int i = 0; i < INSTANTS; i++) {
                long at = instant(random, world);
                for (String tenant : TENANTS) {
                    String what = "world " + w + " " + world + ", tenant " + tenant + " at " + Instant.ofEpochMilli(at);
                    Calendar expected = expectedCalendar(world, tenant, Optional.empty());
                    Period day = services.gateway().ofTenant(tenant).period(PeriodType.DAY, at);
                    assertThat(services.metering().ofTenant(tenant).period(PeriodType.DAY, at)).as(what).isEqualTo(day);
                    assertPeriod(day, expected, PeriodType.DAY, at, what);
                    compared++;
                }
                for (Map.Entry<String, String> team : world.teamTenant().entrySet()) {
                    for (PeriodType type : List.of(PeriodType.DAY, PeriodType.MONTH)) {
                        String what = "world " + w + " " + world + ", team " + team.getKey() + " " + type + " at "
                                + Instant.ofEpochMilli(at);
                        Optional<String> budgetZone = Optional.ofNullable(world.records()
                                .get(PolicyRecords.budgetKey(ScopeType.TEAM, team.getKey(), type)))
                                .map(p -> ((BudgetPolicy) p.getPolicy()).getZone());
                        Calendar expected = expectedCalendar(world, team.getValue(), budgetZone);
                        Period spend = services.metering().ofScope(ScopeType.TEAM, team.getKey(), team.getValue(), type)
                                .period(type, at);
                        Period budget = services.budget().calendar(ScopeType.TEAM, team.getKey(), type, team.getValue())
                                .period(type, at);
                        assertThat(budget).as(what).isEqualTo(spend);
                        assertPeriod(spend, expected, type, at, what);
                        compared++;
                    }
                }
            }
        }
        assertThat(compared).isGreaterThan(WORLDS * INSTANTS * TENANTS.size());
    }

    /** The period's key is the local date (month) of the instant in the expected calendar, and it holds the instant. */
    private static void assertPeriod(Period period, Calendar expected, PeriodType type, long at, String what) {
        LocalDateTime local = LocalDateTime.ofInstant(Instant.ofEpochMilli(at), expected.zone());
        LocalDate date = local.getHour() < expected.resetHour() ? local.toLocalDate().minusDays(1) : local.toLocalDate();
        String key = type == PeriodType.DAY ? date.toString() : date.format(MONTH);
        assertThat(period.key()).as(what + ": key in " + expected).isEqualTo(key);
        assertThat(period.startMillis()).as(what).isLessThanOrEqualTo(at);
        assertThat(period.endMillis()).as(what).isGreaterThan(at);
        LocalDate first = type == PeriodType.DAY ? date : date.withDayOfMonth(1);
        LocalDate next = type == PeriodType.DAY ? date.plusDays(1) : first.plusMonths(1);
        assertThat(period.startMillis()).as(what + ": start").isEqualTo(start(first, expected));
        assertThat(period.endMillis()).as(what + ": end").isEqualTo(start(next, expected));
    }

    /**
     * The first instant of {@code date}'s period: the reset hour there, or the first instant after a gap that
     * swallows it (java.time's {@code atZone} moves a local time in a gap forward by the gap's length; the period
     * starts at the gap's end instead).
     */
    private static long start(LocalDate date, Calendar calendar) {
        LocalDateTime local = date.atTime(calendar.resetHour(), 0);
        ZonedDateTime zoned = local.atZone(calendar.zone());
        if (!zoned.toLocalDateTime().equals(local)) {
            return calendar.zone().getRules().getTransition(local).getInstant().toEpochMilli();
        }
        return zoned.toInstant().toEpochMilli();
    }

    /** The precedence rule, from the world as written: budget zone, tenant, organisation, configured default. */
    private static Calendar expectedCalendar(World world, String tenant, Optional<String> budgetZone) {
        TenantPolicy t = world.tenants().get(tenant);
        Optional<ZoneId> zone = budgetZone.flatMap(ServiceCalendarsPropertiesTest::zone)
                .or(() -> Optional.ofNullable(t).map(TenantPolicy::getZone).flatMap(ServiceCalendarsPropertiesTest::zone))
                .or(() -> Optional.ofNullable(world.org()).map(OrgSettings::getZone).flatMap(ServiceCalendarsPropertiesTest::zone));
        Integer hour = t != null && t.getResetHour() != null ? t.getResetHour()
                : world.org() != null ? Integer.valueOf(world.org().getResetHour()) : null;
        return new Calendar(zone.orElse(ZoneId.of(world.defaultZone())), hour == null ? world.defaultResetHour() : hour);
    }

    private static Optional<ZoneId> zone(String id) {
        try {
            return id == null || id.isBlank() ? Optional.empty() : Optional.of(ZoneId.of(id));
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }

    private static World world(Random random) {
        String defaultZone = pick(random, ZONES.subList(0, ZONES.size() - 2));
        int defaultResetHour = random.nextInt(24);
        Map<String, Policy> records = new LinkedHashMap<>();
        OrgSettings org = null;
        if (random.nextInt(5) > 0) {
            org = OrgSettings.newBuilder().setZone(pick(random, ZONES)).setResetHour(random.nextInt(24))
                    .setQuotaWarningPercent(80).build();
            records.put(PolicyRecords.ORG_SETTINGS_KEY, wrap(org));
        }
        Map<String, TenantPolicy> tenants = new HashMap<>();
        Map<String, String> teamTenant = new LinkedHashMap<>();
        for (String tenant : TENANTS) {
            if (random.nextInt(4) > 0) {
                TenantPolicy t = TenantPolicy.newBuilder().setTenant(tenant)
                        .setZone(random.nextInt(5) == 0 ? null : pick(random, ZONES))
                        .setResetHour(random.nextInt(3) == 0 ? null : random.nextInt(24)).build();
                tenants.put(tenant, t);
                records.put(PolicyRecords.tenantKey(tenant), wrap(t));
            }
            String team = "team-" + tenant;
            teamTenant.put(team, tenant);
            records.put(PolicyRecords.apiKeyKey("k-" + tenant), wrap(ApiKeyPolicy.newBuilder().setKeyId("k-" + tenant)
                    .setKeyHash("0".repeat(64)).setTenant(tenant).setTeam(team).setAgent("agent-" + tenant)
                    .setTier("free").build()));
            for (PeriodType type : List.of(PeriodType.DAY, PeriodType.MONTH)) {
                if (random.nextBoolean()) {
                    records.put(PolicyRecords.budgetKey(ScopeType.TEAM, team, type), wrap(BudgetPolicy.newBuilder()
                            .setScopeType(ScopeType.TEAM).setScopeId(team).setPeriod(type)
                            .setZone(random.nextBoolean() ? null : pick(random, ZONES)).setLimitMicros(1_000_000)
                            .setAction(BudgetAction.ALERT).build()));
                }
            }
        }
        return new World(defaultZone, defaultResetHour, org, tenants, teamTenant, records);
    }

    private static Services services(World world, Serializer<Policy> serializer) throws Exception {
        // every service: TOLLGATE_ZONE and TOLLGATE_RESET_HOUR as the deployment sets them (the gateway's own
        // file says otherwise: the environment wins); the gateway reads the records through a snapshot
        Map<String, String> env = Map.of("TOLLGATE_ZONE", world.defaultZone(),
                "TOLLGATE_RESET_HOUR", String.valueOf(world.defaultResetHour()),
                "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9", "TOLLGATE_SCHEMA_REGISTRY_URL", "mock://service-calendars");
        String file = "organisation:\n  zone: America/Santiago\n  reset_hour: " + (world.defaultResetHour() + 7) % 24 + "\n";
        ControlSettings control = ControlSettings.from(PolicyFileParser.parse(file, "tollgate.yaml"), env);
        PolicySnapshot snapshot = PolicySnapshot.of(world.records());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ControlPlane gateway = new ControlPlane(snapshot, new LiveRouting(snapshot, Optional.empty()), control,
                new ModelCatalog(List.of(), CatalogDefaults.STANDARD), Map.of(), Topics.forRegistry("mock://service-calendars"),
                registry, new ControlStats(registry), CompactedView.Refusals.LOG_ONLY);

        // metering-stream: the records as the bytes of its global store
        MeteringConfig meteringConfig = MeteringConfigLoader.load(null, env);
        TopologySettings settings = TopologySettings.from(meteringConfig, new MeteringMetrics(registry), Clock.systemUTC(),
                letter -> { });
        Map<String, byte[]> bytes = new HashMap<>();
        world.records().forEach((key, policy) -> bytes.put(key, serializer.serialize(Topics.POLICIES, policy)));
        Calendars metering = MeteringTopology.calendars(new MapStore(bytes), settings);

        // budget-alerts: the records as its store holds them
        BudgetTopology.Settings budgetSettings = BudgetTopology.Settings.from(ConfigLoader.load(null, env));
        BudgetPolicies budget = new BudgetPolicies(world.records()::get, budgetSettings.defaultCalendar(),
                budgetSettings.defaultQuotaWarning());
        return new Services(gateway.calendars(), metering, budget);
    }

    /** An instant near what the world's calendars turn on: reset hours, midnights, DST changes and month ends. */
    private static long instant(Random random, World world) {
        ZoneId zone = zone(pick(random, ZONES)).orElse(ZoneId.of("UTC"));
        int year = 2024 + random.nextInt(6);
        int hour = random.nextBoolean() ? random.nextInt(24) : world.defaultResetHour();
        LocalDateTime local = switch (random.nextInt(3)) {
            case 0 -> LocalDate.of(year, 1 + random.nextInt(12), 1).atTime(hour, 0);                 // month starts
            case 1 -> LocalDate.of(year, 3, 8 + random.nextInt(24)).atTime(hour, 0);                   // DST (north)
            default -> LocalDate.of(year, 1, 1).plusDays(random.nextInt(366)).atTime(hour, 0);
        };
        long base = local.atZone(zone).toInstant().toEpochMilli();
        long[] offsets = {0, -1, 1, -60_000, 60_000, -3_600_000, 3_600_000};
        return base + offsets[random.nextInt(offsets.length)] + (random.nextInt(4) == 0 ? random.nextLong(-43_200_000, 43_200_000) : 0);
    }

    private static String pick(Random random, List<String> from) {
        return from.get(random.nextInt(from.size()));
    }

    private static Policy wrap(Object policy) {
        return Policy.newBuilder().setPolicy(policy).setUpdatedAt(0).setSource("ServiceCalendarsPropertiesTest").build();
    }

    /** Metering's global store as the processors read it: raw record bytes by key (get only). */
    private record MapStore(Map<String, byte[]> bytes) implements ReadOnlyKeyValueStore<String, byte[]> {
        @Override
        public byte[] get(String key) {
            return bytes.get(key);
        }

        @Override
        public KeyValueIterator<String, byte[]> range(String from, String to) {
            throw new UnsupportedOperationException("calendars read single records");
        }

        @Override
        public KeyValueIterator<String, byte[]> all() {
            throw new UnsupportedOperationException("calendars read single records");
        }

        @Override
        public long approximateNumEntries() {
            return bytes.size();
        }
    }

}
