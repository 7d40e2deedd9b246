package io.tollgate.metering.spend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class CostsTest {

    @Test
    void shouldEqualAnyMapOfTheSameEntriesWhenScannedOrIndexed() {
        for (int n = 0; n <= 20; n++) {
            // Given n names (more than eight are found through the hash index)
            Map<String, Long> entries = new HashMap<>();
            for (int i = 0; i < n; i++) {
                entries.put("model-" + i, (long) i - 3);
            }

            // When they are copied, and summed one by one from empty
            Costs copied = Costs.copyOf(entries);
            Costs summed = Costs.EMPTY;
            for (Map.Entry<String, Long> entry : entries.entrySet()) {
                summed = summed.plus(Map.of(entry.getKey(), entry.getValue()));
            }

            // Then both equal the map both ways, hash alike, and find every name and no other
            for (Costs costs : new Costs[] {copied, summed}) {
                assertThat(costs).as("%d names", n).isEqualTo(entries).hasSameHashCodeAs(entries).hasSize(n);
                assertThat(entries).isEqualTo(costs);
                assertThat(Map.copyOf(entries)).isEqualTo(costs);
                entries.forEach((name, amount) -> assertThat(costs.get(name)).isEqualTo(amount));
                assertThat(costs.get("model-" + n)).isNull();
                assertThat(costs.containsKey("model-" + n)).isFalse();
                assertThat(costs.get(7)).isNull();
                assertThat(costs.containsKey(null)).isFalse();
                Map<String, Long> visited = new HashMap<>();
                costs.forEach(visited::put);
                assertThat(visited).isEqualTo(entries);
            }
        }
    }

    @Test
    void shouldLeaveTheMapItAddsToAsItWasWhenSumsShareItsNames() {
        // Given costs of two models
        Costs costs = Costs.copyOf(new TreeMap<>(Map.of("gpt-4o", 10L, "mini", 1L)));

        // When a delta of known names and then one with a new name are added
        Costs known = costs.plus(Map.of("gpt-4o", 5L));
        Costs grown = known.plus(Map.of("mini", -1L, "claude", 0L));

        // Then each sum is its own value, the zero sums kept, and the first map is unchanged
        assertThat(costs).isEqualTo(Map.of("gpt-4o", 10L, "mini", 1L));
        assertThat(known).isEqualTo(Map.of("gpt-4o", 15L, "mini", 1L));
        assertThat(grown).isEqualTo(Map.of("gpt-4o", 15L, "mini", 0L, "claude", 0L));
        assertThat(Costs.copyOf(grown)).isSameAs(grown);
        assertThat(costs.plus(Map.of())).isSameAs(costs);
    }

    @Test
    void shouldRefuseChangesWhenChangedFromOutside() {
        // Given costs
        Costs costs = Costs.copyOf(Map.of("gpt-4o", 10L, "mini", 1L));

        // When changed through the map, its views, an iterator or an entry, Then each refuses
        assertThatThrownBy(() -> costs.put("x", 1L)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> costs.remove("mini")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(costs::clear).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> costs.keySet().remove("mini")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> costs.values().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> costs.entrySet().iterator().next().setValue(2L))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> {
            var it = costs.entrySet().iterator();
            it.next();
            it.remove();
        }).isInstanceOf(UnsupportedOperationException.class);
        assertThat(costs).isEqualTo(Map.of("gpt-4o", 10L, "mini", 1L));
    }

    @Test
    void shouldRefuseANullNameOrAmountWhenCopiedOrAdded() {
        // Given maps holding a null name or amount
        Map<String, Long> nullName = new LinkedHashMap<>();
        nullName.put(null, 1L);
        Map<String, Long> nullAmount = new LinkedHashMap<>();
        nullAmount.put("gpt-4o", null);

        // When copied or added, Then each throws, as Map.copyOf does
        assertThatThrownBy(() -> Costs.copyOf(nullName)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Costs.copyOf(nullAmount)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Costs.EMPTY.plus(nullName)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Costs.EMPTY.plus(nullAmount)).isInstanceOf(NullPointerException.class);
    }
}
