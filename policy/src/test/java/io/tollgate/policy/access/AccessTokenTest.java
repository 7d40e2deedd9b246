package io.tollgate.policy.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AccessTokenTest {

    private static final String SECRET = "op-0123456789abcdef-secret";

    @Test
    void shouldMatchOnlyTheSameTokenWhenPresented() {
        // Given
        AccessToken token = AccessToken.of(SECRET, "TOLLGATE_OPERATOR_TOKEN");

        // When / Then
        assertThat(token.matches(SECRET)).isTrue();
        assertThat(token.matches(SECRET + "x")).isFalse();
        assertThat(token.matches(SECRET.substring(1))).isFalse();
        assertThat(token.matches("")).isFalse();
        assertThat(token.matches(null)).isFalse();
    }

    @Test
    void shouldAcceptOnlyABearerHeaderWhenMatchingAnAuthorization() {
        AccessToken token = AccessToken.of(SECRET, "test");

        assertThat(token.matchesAuthorization("Bearer " + SECRET)).isTrue();
        assertThat(token.matchesAuthorization("bearer " + SECRET)).isTrue();
        assertThat(token.matchesAuthorization("Basic " + SECRET)).isFalse();
        assertThat(token.matchesAuthorization(SECRET)).isFalse();
        assertThat(token.matchesAuthorization("Bearer ")).isFalse();
        assertThat(token.matchesAuthorization(null)).isFalse();
        assertThat(token.authorization()).isEqualTo("Bearer " + SECRET);
    }

    @Test
    void shouldNeverShowTheTokenWhenPrinted() {
        AccessToken token = AccessToken.of(SECRET, "test");

        assertThat(token.toString()).doesNotContain(SECRET).contains("redacted");
        assertThat(String.valueOf(new Holder(token))).doesNotContain(SECRET);
    }

    @Test
    void shouldNameTheSourceAndNotEchoTheValueWhenTheTokenIsTooShort() {
        assertThatThrownBy(() -> AccessToken.of("short-secret", "TOLLGATE_ADMIN_TOKEN"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("TOLLGATE_ADMIN_TOKEN").hasMessageContaining("16 to 512")
                .hasMessageNotContaining("short-secret");
        assertThatThrownBy(() -> AccessToken.of("has a space in it, long enough", "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldGenerateDistinctUsableTokensWhenAskedTwice() {
        AccessToken a = AccessToken.generate();
        AccessToken b = AccessToken.generate();

        assertThat(a.value()).hasSize(43).isNotEqualTo(b.value());
        assertThat(AccessToken.of(a.value(), "generated").matches(a.value())).isTrue();
    }

    @Test
    void shouldDeriveAValueThatIsNotTheTokenWhenGivenAPurpose() {
        AccessToken token = AccessToken.of(SECRET, "test");

        String cookie = token.derive("dashboard");

        assertThat(cookie).isNotEqualTo(SECRET).doesNotContain(SECRET).hasSize(64);
        assertThat(token.derive("dashboard")).isEqualTo(cookie);
        assertThat(token.derive("other")).isNotEqualTo(cookie);
    }

    private record Holder(AccessToken token) {
    }
}
