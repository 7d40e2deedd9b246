package io.tollgate.budget.topology;

import io.tollgate.schemas.avro.BudgetAction;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.ScopeType;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** Opens a {@link TopologyFixture} for tests outside this package (the REST API's). */
public final class TopologyFixtures {

    private TopologyFixtures() {
    }

    public static Handle open(Path stateDir, Instant wallClock) {
        return new Handle(new TopologyFixture(stateDir, wallClock));
    }

    /** The few operations other packages need. */
    public static final class Handle implements AutoCloseable {
        private final TopologyFixture fixture;

        private Handle(TopologyFixture fixture) {
            this.fixture = fixture;
        }

        public void budget(ScopeType type, String id, PeriodType period, long limit, BudgetAction action) {
            fixture.budget(type, id, period, limit, null, List.of(50, 80, 100), action,
                    action == BudgetAction.DOWNGRADE ? "sim-small" : null, "UTC");
        }

        public void spend(ScopeType type, String id, String periodKey, long cost) {
            fixture.pipe(TopologyFixture.spendTotal(type, id, PeriodType.DAY, periodKey, cost, fixture.now()));
        }

        public <V> ReadOnlyKeyValueStore<String, V> store(String name) {
            return fixture.driver().getKeyValueStore(name);
        }

        @Override
        public void close() {
            fixture.close();
        }
    }
}
