package io.tollgate.metering.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PendingKeysTest {

    @Test
    void shouldAnswerLikeTheStoreWhenPutsAndDeletesFollowAScan() {
        // Given a model store and the keys kept beside it through 20,000 random writes, with scans now and then
        SplittableRandom random = new SplittableRandom(7);
        Set<String> store = new HashSet<>(List.of("c0#0", "c1#0"));
        PendingKeys keys = new PendingKeys(1_000);
        scan(keys, store);
        for (int i = 0; i < 20_000; i++) {
            String key = "c" + random.nextInt(400) + "#" + random.nextInt(2);
            switch (random.nextInt(5)) {
                case 0, 1 -> {
                    store.add(key);
                    keys.added(key);
                }
                case 2, 3 -> {
                    store.remove(key);
                    keys.removed(key);
                }
                default -> scan(keys, store);
            }
            // Then no key in the store is ever answered as absent, and a key answered as present is in the store
            String asked = "c" + random.nextInt(400) + "#" + random.nextInt(2);
            assertThat(keys.mayContain(asked)).as("after write %d, %s", i, asked).isEqualTo(store.contains(asked));
        }
        assertThat(keys.complete()).isTrue();
    }

    @Test
    void shouldReadTheStoreForEveryKeyWhenMoreThanTheBoundAreKept() {
        // Given a bound of 3 keys
        PendingKeys keys = new PendingKeys(3);
        scan(keys, Set.of("a", "b"));
        assertThat(keys.mayContain("z")).isFalse();

        // When a fourth is put
        keys.added("c");
        keys.added("d");

        // Then nothing is answered from memory, even after a delete brings the count back under the bound
        keys.removed("d");
        assertThat(keys.complete()).isFalse();
        assertThat(keys.mayContain("z")).isTrue();

        // And a scan that finds too many keeps it so; one that finds few enough answers again
        scan(keys, Set.of("a", "b", "c", "d"));
        assertThat(keys.mayContain("z")).isTrue();
        scan(keys, Set.of("a"));
        assertThat(keys.mayContain("z")).isFalse();
        assertThat(keys.mayContain("a")).isTrue();
    }

    @Test
    void shouldForgetWhatAnEarlierScanSawWhenTheStoreNoLongerHoldsIt() {
        PendingKeys keys = new PendingKeys(10);
        scan(keys, Set.of("a", "b"));

        scan(keys, Set.of("b"));

        assertThat(keys.mayContain("a")).isFalse();
        assertThat(keys.mayContain("b")).isTrue();
    }

    private static void scan(PendingKeys keys, Set<String> store) {
        PendingKeys.Scan scan = keys.scan();
        store.forEach(scan::saw);
        scan.end();
    }
}
