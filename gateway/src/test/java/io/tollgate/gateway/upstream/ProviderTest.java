package io.tollgate.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProviderTest {

    @Test
    void shouldUseProviderKeysRoundRobinWhenSeveralAreConfigured() {
        Provider p = new Provider("p", "http://127.0.0.1:1/v1/", List.of("a", "b", "c"), Duration.ofSeconds(1),
                Duration.ofSeconds(1));

        List<String> used = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            used.add(p.nextKey());
        }

        assertThat(used).containsExactly("a", "b", "c", "a", "b", "c", "a");
        assertThat(p.baseUrl()).isEqualTo("http://127.0.0.1:1/v1");
    }

    @Test
    void shouldSendNoKeyWhenTheProviderNeedsNone() {
        Provider p = new Provider("ollama", "http://127.0.0.1:11434/v1", List.of(), Duration.ofSeconds(1),
                Duration.ofSeconds(1));
        assertThat(p.nextKey()).isNull();
        assertThat(p.toString()).doesNotContain("secret");
    }
}
