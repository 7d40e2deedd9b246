package io.tollgate.gateway.admission;

import io.tollgate.policy.window.TrailingWindow;
import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.avro.UsageBucket;
import java.util.Arrays;
import java.util.List;

/**
 * One {@code QuotaStatus} record as the gateway reads it: the {@link TrailingWindow} buckets of the
 * trailing minute as sorted primitive arrays, the day's totals, and the usage partition and offset up
 * to which it counts every event of the key ({@code -1}: not said; admission then takes it that none of
 * its own admissions are counted). Admission asks for the minute's sums on every call, so the sums of
 * every bucket and those after it are worked out once here, on the view's thread: a sum is then a
 * binary search and one read. Immutable; a newer record for the same key replaces the whole snapshot.
 */
public record QuotaSnapshot(String apiKeyId, String model, long[] bucketStarts, long[] bucketRequests,
                            long[] bucketTokens, String dayKey, long dayStartMillis, long dayEndMillis,
                            long dayRequests, long dayTokens, long updatedAt, int usagePartition, long usageOffset,
                            long[] requestsOnward, long[] tokensOnward) {

    /** Converts a record, sorting its buckets by start; rejects what admission could not use. */
    public static QuotaSnapshot of(QuotaStatus status) {
        if (status.getBucketMillis() != TrailingWindow.BUCKET_MILLIS) {
            throw new IllegalArgumentException("quota status " + status.getApiKeyId() + "|" + status.getModel()
                    + " has bucketMillis " + status.getBucketMillis() + "; expected " + TrailingWindow.BUCKET_MILLIS
                    + ", the bucket TrailingWindow defines for every service");
        }
        List<UsageBucket> buckets = status.getBuckets().stream()
                .sorted((a, b) -> Long.compare(a.getStartMillis(), b.getStartMillis()))
                .toList();
        int n = buckets.size();
        long[] starts = new long[n];
        long[] requests = new long[n];
        long[] tokens = new long[n];
        for (int i = 0; i < n; i++) {
            UsageBucket b = buckets.get(i);
            starts[i] = b.getStartMillis();
            requests[i] = b.getRequests();
            tokens[i] = b.getTokens();
        }
        return new QuotaSnapshot(status.getApiKeyId().toString(), status.getModel().toString(), starts, requests,
                tokens, status.getDayKey().toString(), status.getDayStartMillis(), status.getDayEndMillis(),
                status.getDayRequests(), status.getDayTokens(), status.getUpdatedAt(), status.getUsagePartition(),
                status.getUsageOffset(), onward(requests), onward(tokens));
    }

    /** {@code onward[k]} = the sum of {@code values[k..]}; one longer than {@code values}, ending in 0. */
    private static long[] onward(long[] values) {
        long[] sums = new long[values.length + 1];
        for (int k = values.length - 1; k >= 0; k--) {
            sums[k] = sums[k + 1] + values[k];
        }
        return sums;
    }

    /** Requests of the buckets starting at or after {@code oldestMillis}. */
    long requestsFrom(long oldestMillis) {
        return requestsOnward[firstFrom(oldestMillis)];
    }

    /** Tokens of the buckets starting at or after {@code oldestMillis}. */
    long tokensFrom(long oldestMillis) {
        return tokensOnward[firstFrom(oldestMillis)];
    }

    /** Index of the first bucket starting at or after {@code oldestMillis} (buckets are sorted and unique). */
    private int firstFrom(long oldestMillis) {
        int k = Arrays.binarySearch(bucketStarts, oldestMillis);
        return k >= 0 ? k : -k - 1;
    }

    /** True while {@code nowMillis} lies in the calendar day this snapshot's day totals belong to. */
    boolean dayCovers(long nowMillis) {
        return dayEndMillis > dayStartMillis && nowMillis >= dayStartMillis && nowMillis < dayEndMillis;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuotaSnapshot s && apiKeyId.equals(s.apiKeyId) && model.equals(s.model)
                && updatedAt == s.updatedAt && Arrays.equals(bucketStarts, s.bucketStarts)
                && Arrays.equals(bucketRequests, s.bucketRequests) && Arrays.equals(bucketTokens, s.bucketTokens)
                && dayRequests == s.dayRequests && dayTokens == s.dayTokens && usagePartition == s.usagePartition
                && usageOffset == s.usageOffset;
    }

    @Override
    public int hashCode() {
        return apiKeyId.hashCode() * 31 + model.hashCode() + Long.hashCode(updatedAt);
    }

    @Override
    public String toString() {
        return "QuotaSnapshot[" + apiKeyId + "|" + model + ", buckets=" + bucketStarts.length + ", day=" + dayKey
                + " " + dayRequests + " req " + dayTokens + " tok, updatedAt=" + updatedAt + "]";
    }
}
