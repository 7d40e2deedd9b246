package io.tollgate.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MoneyTest {

    @Test
    void shouldPrintMicroDollarsExactlyWhenFormatting() {
        assertThat(Money.usd(1_234_567)).isEqualTo("$1.234567");
        assertThat(Money.usd(5)).isEqualTo("$0.000005");
        assertThat(Money.usd(-250_000)).isEqualTo("-$0.250000");
    }

    @Test
    void shouldHashSecretsAsLowerCaseHexSha256WhenCreatingKeys() {
        // the demo key of tollgate.yaml: k-planner's secret is tg-demo-planner
        assertThat(KeysCommand.sha256("tg-demo-planner"))
                .isEqualTo("c2ecf2cee4ddc986f366238c5075d84a76d8bf8e6f90530b5a9307c8a488d8dd");
    }
}
