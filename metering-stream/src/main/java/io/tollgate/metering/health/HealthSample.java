package io.tollgate.metering.health;

import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.ErrorKind;
import io.tollgate.schemas.avro.UsageEvent;
import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** The part of a RESPONSE that model health needs; the value of the health repartition topic (keyed by model). */
public record HealthSample(long eventTime, CallStatus status, ErrorKind errorKind, boolean fallback,
                           long completionTokens, long latencyMs) {

    public static HealthSample of(UsageEvent e) {
        return new HealthSample(e.getTimestamp().toEpochMilli(), e.getStatus(), e.getErrorKind(), e.getFallback(),
                e.getCompletionTokens(), e.getLatencyMs());
    }

    public static Serde<HealthSample> serde() {
        return Serdes.serdeFrom((topic, s) -> s == null ? null : ByteBuffer.allocate(27).putLong(s.eventTime)
                .put((byte) s.status.ordinal()).put((byte) s.errorKind.ordinal()).put((byte) (s.fallback ? 1 : 0))
                .putLong(s.completionTokens).putLong(s.latencyMs).array(), (topic, data) -> {
                    if (data == null) {
                        return null;
                    }
                    ByteBuffer in = ByteBuffer.wrap(data);
                    return new HealthSample(in.getLong(), CallStatus.values()[in.get()], ErrorKind.values()[in.get()],
                            in.get() == 1, in.getLong(), in.getLong());
                });
    }
}
