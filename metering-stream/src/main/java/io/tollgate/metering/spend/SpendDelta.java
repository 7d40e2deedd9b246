package io.tollgate.metering.spend;

import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.schemas.avro.UsageEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * What one counted event changes in a scope's spend; the value of the spend repartition topic. Carries
 * only these fields (not the whole event): it is written once per scope, five or six times per event.
 */
public record SpendDelta(String tenant, String model, String agent, long periodTime, long eventTime, long costMicros,
                         long inFlightMicros, long requests, long promptTokens, long completionTokens) {

    public static SpendDelta of(MeteredEvent m) {
        UsageEvent e = m.event();
        boolean request = m.isRequest();
        return new SpendDelta(e.getTenant(), e.getModel(), e.getAgent(), m.periodTime(), e.getTimestamp().toEpochMilli(),
                m.costDelta(), m.inFlightDelta(), m.requestDelta(),
                request ? e.getReservedPromptTokens() : e.getPromptTokens() - e.getReservedPromptTokens(),
                request ? e.getReservedCompletionTokens() : e.getCompletionTokens() - e.getReservedCompletionTokens());
    }

    public static Serde<SpendDelta> serde() {
        return Serdes.serdeFrom((topic, d) -> {
            if (d == null) {
                return null;
            }
            byte[] tenant = d.tenant.getBytes(StandardCharsets.UTF_8);
            byte[] model = d.model.getBytes(StandardCharsets.UTF_8);
            byte[] agent = d.agent.getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(12 + tenant.length + model.length + agent.length + 7 * 8)
                    .putInt(tenant.length).put(tenant).putInt(model.length).put(model).putInt(agent.length).put(agent)
                    .putLong(d.periodTime).putLong(d.eventTime).putLong(d.costMicros).putLong(d.inFlightMicros)
                    .putLong(d.requests).putLong(d.promptTokens).putLong(d.completionTokens).array();
        }, (topic, data) -> {
            if (data == null) {
                return null;
            }
            ByteBuffer in = ByteBuffer.wrap(data);
            return new SpendDelta(string(in), string(in), string(in), in.getLong(), in.getLong(), in.getLong(),
                    in.getLong(), in.getLong(), in.getLong(), in.getLong());
        });
    }

    private static String string(ByteBuffer in) {
        byte[] bytes = new byte[in.getInt()];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
