package io.tollgate.metering.topology;

import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.metering.policy.StorePolicies;
import io.tollgate.metering.policy.TenantCalendars;
import io.tollgate.policy.calendar.Calendar;
import io.tollgate.policy.calendar.Calendars;
import io.tollgate.schemas.avro.Policy;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The whole metering application: ingest, then rates, daily quotas and quota status on the input
 * partitioning, spend and model health through their own repartition topics, policies as a global store.
 * Builds only; no I/O.
 */
public final class MeteringTopology {

    private MeteringTopology() {
    }

    public static Topology build(TopologySettings settings) {
        StreamsBuilder builder = new StreamsBuilder();
        PolicyTopology.build(builder, settings);
        KStream<String, MeteredEvent> events = IngestTopology.build(builder, settings);
        KStream<String, QuotaUpdate> counted = DailyQuotaTopology.build(builder,
                RatesTopology.build(builder, events, settings), settings);
        QuotaStatusTopology.build(builder, counted, settings);
        SpendTopology.build(builder, events, settings);
        ModelHealthTopology.build(builder, events, settings);
        return builder.build();
    }

    /**
     * The calendars of the policy module over the global policy store, for a processor's own use: a tenant's days
     * (daily quotas) and a scope's periods (spend), with the configured zone and reset hour last.
     */
    static Calendars calendars(ProcessorContext<?, ?> context, TopologySettings settings) {
        return calendars(context.<KeyValueStore<String, byte[]>>getStateStore(PolicyTopology.POLICY_STORE),
                settings);
    }

    /** Tenants' calendars over the global policy store, kept while its records stay as they are. */
    static TenantCalendars tenantCalendars(ProcessorContext<?, ?> context, TopologySettings settings) {
        return new TenantCalendars(calendars(context, settings), settings.policyChanges()::get);
    }

    /** The calendars over a store of policy records as {@code PolicyTopology} keeps them (raw bytes). */
    public static Calendars calendars(ReadOnlyKeyValueStore<String, byte[]> policyStore, TopologySettings settings) {
        return new Calendars(new StorePolicies(policyStore, settings.topics().<Policy>valueSerde(Policy.class).deserializer(),
                settings.policyChanges()::get), new Calendar(settings.zone(), settings.resetHour()));
    }
}
