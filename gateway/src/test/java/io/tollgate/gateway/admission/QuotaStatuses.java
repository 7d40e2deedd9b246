package io.tollgate.gateway.admission;

import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.avro.UsageBucket;
import java.util.ArrayList;
import java.util.List;

/** Builds {@link QuotaStatus} records for tests: {@code of("k", "m").bucket(0, 3, 300).updatedAt(5)}. */
final class QuotaStatuses {

    private final QuotaStatus.Builder builder;
    private final List<UsageBucket> buckets = new ArrayList<>();

    private QuotaStatuses(String key, String model) {
        builder = QuotaStatus.newBuilder().setApiKeyId(key).setModel(model).setBucketMillis(1000);
    }

    static QuotaStatuses of(String key, String model) {
        return new QuotaStatuses(key, model);
    }

    QuotaStatuses bucket(long startMillis, long requests, long tokens) {
        buckets.add(UsageBucket.newBuilder().setStartMillis(startMillis).setRequests(requests).setTokens(tokens).build());
        return this;
    }

    QuotaStatuses day(long startMillis, long endMillis, long requests, long tokens) {
        builder.setDayKey("day-" + startMillis).setDayStartMillis(startMillis).setDayEndMillis(endMillis)
                .setDayRequests(requests).setDayTokens(tokens);
        return this;
    }

    QuotaStatuses updatedAt(long millis) {
        builder.setUpdatedAt(millis).setLastEventTime(millis);
        return this;
    }

    /** The usage position the status counts up to (what metering-stream sets). */
    QuotaStatuses counted(int partition, long offset) {
        builder.setUsagePartition(partition).setUsageOffset(offset);
        return this;
    }

    QuotaStatus build() {
        return builder.setBuckets(buckets).build();
    }

    void applyTo(QuotaView view) {
        QuotaStatus status = build();
        view.apply(status.getApiKeyId() + "|" + status.getModel(), status, status.getUpdatedAt()); // the tests' clock
    }
}
