package io.tollgate.gateway.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.policy.calendar.Calendar;
import io.tollgate.schemas.policy.PolicyFileParser;
import io.tollgate.schemas.policy.TollgateConfig;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ControlSettingsTest {

    private static final TollgateConfig BERLIN_AT_SIX = PolicyFileParser.parse(
            "organisation:\n  zone: Europe/Berlin\n  reset_hour: 6\n", "tollgate.yaml");

    @Test
    void shouldTakeTheDefaultCalendarFromTheFilesOrganisationWhenTheEnvironmentSetsNone() {
        assertThat(ControlSettings.from(BERLIN_AT_SIX, Map.of()).calendar())
                .isEqualTo(new Calendar(ZoneId.of("Europe/Berlin"), 6));
    }

    @Test
    void shouldTakeTheDefaultCalendarFromTollgateZoneAndResetHourLikeTheOtherServices() {
        ControlSettings settings = ControlSettings.from(BERLIN_AT_SIX,
                Map.of("TOLLGATE_ZONE", "Asia/Kathmandu", "TOLLGATE_RESET_HOUR", "2"));

        assertThat(settings.calendar()).isEqualTo(new Calendar(ZoneId.of("Asia/Kathmandu"), 2));
    }

    @Test
    void shouldNameTheVariableWhenTheZoneOrHourIsBad() {
        assertThatThrownBy(() -> ControlSettings.from(BERLIN_AT_SIX, Map.of("TOLLGATE_ZONE", "Mars/Base")))
                .hasMessageContaining("TOLLGATE_ZONE='Mars/Base'");
        assertThatThrownBy(() -> ControlSettings.from(BERLIN_AT_SIX, Map.of("TOLLGATE_RESET_HOUR", "24")))
                .hasMessageContaining("TOLLGATE_RESET_HOUR=24");
    }
}
