package io.tollgate.gateway.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class QuotaViewTest {

    private final QuotaView view = new QuotaView();

    @Test
    void shouldKeepLatestSnapshotPerKeyWhenRecordsArrive() {
        // Given two snapshots of one key
        QuotaStatuses.of("k-1", "m").bucket(2000, 1, 10).bucket(1000, 2, 20).updatedAt(100).applyTo(view);
        QuotaStatuses.of("k-1", "m").bucket(3000, 5, 50).updatedAt(200).applyTo(view);

        // Then the newer one is in force, buckets sorted
        QuotaSnapshot snapshot = view.get("k-1", "m");
        assertThat(snapshot.bucketStarts()).containsExactly(3000);
        assertThat(snapshot.bucketRequests()).containsExactly(5);
        assertThat(view.size()).isEqualTo(1);
    }

    @Test
    void shouldSortBucketsWhenRecordListsThemOutOfOrder() {
        QuotaStatuses.of("k-1", "*").bucket(2000, 1, 10).bucket(1000, 2, 20).updatedAt(100).applyTo(view);

        assertThat(view.get("k-1", "*").bucketStarts()).containsExactly(1000, 2000);
        assertThat(view.get("k-1", "*").bucketTokens()).containsExactly(20, 10);
    }

    @Test
    void shouldIgnoreOlderSnapshotWhenItArrivesAfterNewerOne() {
        QuotaStatuses.of("k-1", "m").bucket(3000, 5, 50).updatedAt(200).applyTo(view);
        QuotaStatuses.of("k-1", "m").bucket(1000, 1, 10).updatedAt(100).applyTo(view);

        assertThat(view.get("k-1", "m").updatedAt()).isEqualTo(200);
    }

    @Test
    void shouldRemoveKeyWhenTombstoneArrives() {
        QuotaStatuses.of("k-1", "m").updatedAt(1).applyTo(view);

        view.apply("k-1|m", null);

        assertThat(view.get("k-1", "m")).isNull();
    }

    @Test
    void shouldRejectRecordWhenKeyDoesNotMatchValue() {
        assertThatThrownBy(() -> view.apply("k-2|m", QuotaStatuses.of("k-1", "m").build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'k-2|m'").hasMessageContaining("'k-1|m'");
    }

    @Test
    void shouldMeasureStalenessFromNewestUpdateWhenAsked() {
        assertThat(view.stalenessMillis(1_000)).isEqualTo(Long.MAX_VALUE);

        QuotaStatuses.of("k-1", "m").updatedAt(10_000).applyTo(view);
        QuotaStatuses.of("k-2", "m").updatedAt(8_000).applyTo(view);

        assertThat(view.stalenessMillis(12_500)).isEqualTo(2_500);
    }
}
