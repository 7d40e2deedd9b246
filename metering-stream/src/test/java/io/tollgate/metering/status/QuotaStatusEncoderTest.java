package io.tollgate.metering.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.metering.rates.Buckets;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.avro.UsageBucket;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class QuotaStatusEncoderTest {

    private final Serde<QuotaStatus> serde = Topics.forRegistry("mock://quota-status-encoder-test").quotaStatus().valueSerde();

    @Test
    void shouldWriteTheSameBytesAsTheAvroSerializerWhenStatusesVary() {
        // Given statuses with no, one and many buckets, negative and huge numbers, non-ASCII names
        Random random = new Random(42);
        QuotaStatusEncoder encoder = new QuotaStatusEncoder(serde.serializer());
        for (int run = 0; run < 500; run++) {
            List<Buckets.Bucket> all = new ArrayList<>();
            long start = random.nextLong(1L << 42);
            for (int i = 0, n = run % 7 == 0 ? 0 : random.nextInt(130); i < n; i++) {
                start += 1000L * (1 + random.nextInt(3));
                all.add(new Buckets.Bucket(start, random.nextInt(3) - 1L, random.nextBoolean() ? random.nextLong()
                        : random.nextInt(5000) - 2500L));
            }
            Buckets buckets = new Buckets(all);
            int from = all.isEmpty() ? 0 : random.nextInt(all.size() + 1);
            String key = run % 3 == 0 ? "clé-ü-" + run : "k" + run;
            String model = run % 2 == 0 ? "*" : "gpt-4o-mini";
            long[] n = {random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong(),
                    random.nextLong(), Long.MIN_VALUE + run, Long.MAX_VALUE - run};

            // When the encoder writes it
            byte[] encoded = encoder.encode(Topics.QUOTA_STATUS, key, model, buckets, from, "2026-11-" + run, n[0], n[1],
                    n[2], n[3], run % 2 == 0 ? n[6] : n[4], run % 2 == 0 ? n[7] : n[5], run % 5 - 1, n[run % 8]);

            // Then the bytes equal the generic serializer's for the same record, and read back to it
            QuotaStatus expected = QuotaStatus.newBuilder().setApiKeyId(key).setModel(model)
                    .setBucketMillis(Buckets.BUCKET_MILLIS)
                    .setBuckets(all.subList(from, all.size()).stream()
                            .map(b -> new UsageBucket(b.startMillis(), b.requests(), b.tokens())).toList())
                    .setDayKey("2026-11-" + run).setDayStartMillis(n[0]).setDayEndMillis(n[1]).setDayRequests(n[2])
                    .setDayTokens(n[3]).setLastEventTime(run % 2 == 0 ? n[6] : n[4])
                    .setUpdatedAt(run % 2 == 0 ? n[7] : n[5]).setUsagePartition(run % 5 - 1).setUsageOffset(n[run % 8]).build();
            assertThat(encoded).as("run %d", run).isEqualTo(serde.serializer().serialize(Topics.QUOTA_STATUS, expected));
            assertThat(serde.deserializer().deserialize(Topics.QUOTA_STATUS, encoded)).isEqualTo(expected);
        }
    }

    @Test
    void shouldBeWrittenForTheCurrentSchemaWhenTheBuildRuns() {
        // Given the encoder's hand-written fields, When compared with QuotaStatus.avsc, Then they describe the same schema
        assertThat(SchemaNormalization.parsingFingerprint64(QuotaStatus.getClassSchema()))
                .as("QuotaStatus.avsc changed: update QuotaStatusEncoder's fields and SCHEMA_FINGERPRINT")
                .isEqualTo(QuotaStatusEncoder.SCHEMA_FINGERPRINT);
    }
}
