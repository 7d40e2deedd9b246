package io.tollgate.cli.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schemas.policy.PolicyFileParser;
import io.tollgate.schemas.policy.TollgateConfig;
import org.junit.jupiter.api.Test;

class PricesTest {

    private static final TollgateConfig CONFIG = PolicyFileParser.parse("""
            providers:
              - {name: p, base_url: "http://127.0.0.1:1/v1"}
            models:
              - {id: m, provider: p, price: {input: 2.50, output: 10.00}}
              - {id: cheap, provider: p, price: {input: 0.15, output: 0.60}}
            """, "prices.yaml");

    @Test
    void shouldRoundHalfUpToTheMicroDollarWhenACallCostsAFraction() {
        // Given 3 prompt tokens at 2.5 micro-dollars = 7.5
        Prices prices = new Prices(CONFIG);

        // When / Then
        assertThat(prices.costMicros("m", 3, 0)).isEqualTo(8);
        assertThat(prices.costMicros("m", 100, 200)).isEqualTo(2_250);
        assertThat(prices.costMicros("cheap", 3, 1)).isEqualTo(1); // 0.45 + 0.6 = 1.05
    }

    @Test
    void shouldCostNothingWhenTheModelHasNoPrice() {
        // When / Then
        assertThat(new Prices(CONFIG).costMicros("unknown", 1_000, 1_000)).isZero();
    }
}
