package io.tollgate.policy.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenFileTest {

    @TempDir
    Path dir;

    @Test
    void shouldWriteANewTokenReadableByTheOwnerOnlyWhenTheFileIsMissing() throws Exception {
        // Given
        Path file = dir.resolve("state").resolve(TokenFile.OPERATOR);

        // When
        TokenFile.Resolved resolved = TokenFile.readOrCreate(file);

        // Then
        assertThat(resolved.created()).isTrue();
        assertThat(Files.readString(file).strip()).isEqualTo(resolved.token().value());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (var files = Files.list(file.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(TokenFile.OPERATOR);
        }
    }

    @Test
    void shouldReuseTheTokenWhenTheFileExists() {
        Path file = dir.resolve(TokenFile.ADMIN);
        AccessToken first = TokenFile.readOrCreate(file).token();

        TokenFile.Resolved second = TokenFile.readOrCreate(file);

        assertThat(second.created()).isFalse();
        assertThat(second.token().matches(first.value())).isTrue();
        assertThat(TokenFile.read(file)).get().satisfies(t -> assertThat(t.matches(first.value())).isTrue());
    }

    @Test
    void shouldPreferTheConfiguredTokenAndWriteNothingWhenOneIsConfigured() {
        Path file = dir.resolve(TokenFile.OPERATOR);
        AccessToken configured = AccessToken.of("configured-token-0123456789", "TOLLGATE_OPERATOR_TOKEN");

        AccessToken used = TokenFile.configuredOrFile(Optional.of(configured), file, "operator token",
                "TOLLGATE_OPERATOR_TOKEN");

        assertThat(used).isSameAs(configured);
        assertThat(file).doesNotExist();
    }

    @Test
    void shouldBeEmptyWhenNoFileExists() {
        assertThat(TokenFile.read(dir.resolve("nothing-here"))).isEmpty();
    }
}
