package io.tollgate.metering.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeadlessChromiumTest {

    @Test
    void shouldFailNamingTheBinaryWhenChromiumIsAbsent(@TempDir Path dir) {
        // Given no environment variable, no Debian binary and a PATH without chromium
        Path missing = dir.resolve("usr-bin-chromium");

        // When / Then the lookup fails (a failure, not a skip) and says what it looked for
        assertThatThrownBy(() -> HeadlessChromium.find(null, missing, dir.toString()))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining(dir.resolve("chromium-browser").toString())
                .hasMessageContaining("TOLLGATE_CHROMIUM is unset")
                .hasMessageContaining("apt-get install -y chromium");
    }

    @Test
    void shouldFailWhenTheEnvironmentNamesANonExecutable(@TempDir Path dir) {
        assertThatThrownBy(() -> HeadlessChromium.find(dir.resolve("nope").toString(), dir.resolve("x"), ""))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("TOLLGATE_CHROMIUM=" + dir.resolve("nope"));
    }

    @Test
    void shouldFindChromiumOnThePathWhenTheDebianBinaryIsAbsent(@TempDir Path dir) throws Exception {
        // Given an executable chromium-browser in a PATH directory
        Path exe = Files.createFile(dir.resolve("chromium-browser"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));

        // When / Then
        assertThat(HeadlessChromium.find("", dir.resolve("absent"), "/nonexistent:" + dir)).isEqualTo(exe);
    }

    @Test
    void shouldReadTestIdsAndValuesInAnyAttributeOrder() {
        // Given serialized DOM with both attribute orders and escaped characters
        String dom = "<text x=\"1\" data-testid=\"rpm:k|m\" data-value=\"12\">12</text>"
                + "<td data-value=\"5\" class=\"a\" data-testid=\"alert:a&amp;b\">5</td><rect data-testid=\"no-value\">";

        // When / Then
        assertThat(HeadlessChromium.testValues(dom)).containsExactly(
                java.util.Map.entry("rpm:k|m", "12"), java.util.Map.entry("alert:a&b", "5"));
    }
}
