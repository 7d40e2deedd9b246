package io.tollgate.gateway.call;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.gateway.admission.AdmissionDecision;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResponseHeadersTest {

    @ParameterizedTest(name = "{0} ms -> {1}")
    @CsvSource({"0, 0s", "20, 20ms", "999, 999ms", "1000, 1s", "1500, 1.5s", "59999, 59.999s", "60000, 1m0s",
            "61000, 1m1s", "360000, 6m0s", "3723004, 1h2m3.004s", "3600000, 1h0m0s"})
    void shouldSpellDurationsAsOpenAiDoesWhenGivenMillis(long millis, String expected) {
        assertThat(ResponseHeaders.duration(millis)).isEqualTo(expected);
    }

    @Test
    void shouldWriteOpenAisRateLimitHeadersOnlyForLimitedWindowsWhenAdmitted() {
        // Given requests limited, tokens not
        AdmissionDecision.Remaining remaining = new AdmissionDecision.Remaining(
                new AdmissionDecision.Headroom(200, 189, 57_000), AdmissionDecision.Headroom.UNLIMITED,
                AdmissionDecision.Headroom.UNLIMITED, AdmissionDecision.Headroom.UNLIMITED);
        Map<String, String> h = new LinkedHashMap<>();

        // When
        ResponseHeaders.limits(h, remaining);

        // Then
        assertThat(h).containsEntry("x-ratelimit-limit-requests", "200")
                .containsEntry("x-ratelimit-remaining-requests", "189")
                .containsEntry("x-ratelimit-reset-requests", "57s")
                .containsEntry("X-Tollgate-Remaining-Requests", "189")
                .doesNotContainKeys("x-ratelimit-limit-tokens", "X-Tollgate-Remaining-Tokens");
    }
}
