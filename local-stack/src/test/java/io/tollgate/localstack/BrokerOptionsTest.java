package io.tollgate.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class BrokerOptionsTest {

    @Test
    void shouldReadEveryOptionWhenGiven() {
        // When
        BrokerOptions options = BrokerOptions.parse(List.of("--data-dir", "/tmp/k", "--port", "19092",
                "--controller-port", "19093", "--partitions", "6"));

        // Then
        assertThat(options).isEqualTo(new BrokerOptions(Path.of("/tmp/k"), 19092, 19093, 6));
    }

    @Test
    void shouldUseTheDefaultsWhenOnlyTheDataDirectoryIsGiven() {
        assertThat(BrokerOptions.parse(List.of("--data-dir", "d"))).isEqualTo(new BrokerOptions(Path.of("d"), 9092, 0, 3));
    }

    @Test
    void shouldNameTheProblemWhenAnOptionIsWrong() {
        assertThatThrownBy(() -> BrokerOptions.parse(List.of("--port", "1"))).hasMessageContaining("--data-dir is required");
        assertThatThrownBy(() -> BrokerOptions.parse(List.of("--data-dir", "d", "--port", "x")))
                .hasMessageContaining("--port takes a whole number, got 'x'");
        assertThatThrownBy(() -> BrokerOptions.parse(List.of("--data-dir", "d", "--port", "70000")))
                .hasMessageContaining("--port must be 0 (any free port) or 1..65535, got 70000");
        assertThatThrownBy(() -> BrokerOptions.parse(List.of("--data-dir", "d", "--partitions")))
                .hasMessageContaining("--partitions needs a value");
        assertThatThrownBy(() -> BrokerOptions.parse(List.of("--data-dir", "d", "--fresh", "x")))
                .hasMessageContaining("unknown option '--fresh'");
    }
}
