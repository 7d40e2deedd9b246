package io.tollgate.metering.daily;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** Requests and tokens of one quota day [startMillis, endMillis) of one (key, model) or (key, *). */
public record DayTotals(String dayKey, long startMillis, long endMillis, long requests, long tokens) {

    /** The totals with an event's deltas added; throws {@link ArithmeticException} rather than overflow. */
    public DayTotals add(long requestDelta, long tokenDelta) {
        return new DayTotals(dayKey, startMillis, endMillis, Math.addExact(requests, requestDelta),
                Math.addExact(tokens, tokenDelta));
    }

    public static Serde<DayTotals> serde() {
        return Serdes.serdeFrom((topic, v) -> {
            if (v == null) {
                return null;
            }
            byte[] day = v.dayKey.getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(4 + day.length + 32).putInt(day.length).put(day)
                    .putLong(v.startMillis).putLong(v.endMillis).putLong(v.requests).putLong(v.tokens).array();
        }, (topic, data) -> {
            if (data == null) {
                return null;
            }
            ByteBuffer in = ByteBuffer.wrap(data);
            byte[] day = new byte[in.getInt()];
            in.get(day);
            return new DayTotals(new String(day, StandardCharsets.UTF_8), in.getLong(), in.getLong(), in.getLong(), in.getLong());
        });
    }
}
