package io.tollgate.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialTest {

    @TempDir
    Path dataDir;

    @Test
    void shouldPreferTheOptionThenTheVariableThenTheDataDirectorysFile() throws Exception {
        Files.writeString(dataDir.resolve("operator-token"), "operator-token-from-file-0123\n");
        Map<String, String> env = Map.of("TOLLGATE_OPERATOR_TOKEN", "operator-token-from-env-0123");

        Credential option = Credential.resolve(Credential.Kind.OPERATOR, "operator-token-from-option", env, dataDir);
        Credential variable = Credential.resolve(Credential.Kind.OPERATOR, null, env, dataDir);
        Credential file = Credential.resolve(Credential.Kind.OPERATOR, null, Map.of(), dataDir);

        assertThat(option.token().value()).isEqualTo("operator-token-from-option");
        assertThat(option.source()).isEqualTo("--operator-token");
        assertThat(variable.token().value()).isEqualTo("operator-token-from-env-0123");
        assertThat(variable.source()).isEqualTo("TOLLGATE_OPERATOR_TOKEN");
        assertThat(file.token().value()).isEqualTo("operator-token-from-file-0123");
        assertThat(file.source()).isEqualTo(dataDir.resolve("operator-token").toString());
        assertThat(file.refused()).contains(dataDir.resolve("operator-token").toString(), "--operator-token",
                "TOLLGATE_OPERATOR_TOKEN").doesNotContain("operator-token-from-file-0123");
    }

    @Test
    void shouldSayEveryWayToSupplyTheAdminTokenWhenNoneIsFound() {
        assertThatThrownBy(() -> Credential.resolve(Credential.Kind.ADMIN, null, Map.of(), dataDir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no admin token").hasMessageContaining("--admin-token")
                .hasMessageContaining("TOLLGATE_ADMIN_TOKEN").hasMessageContaining(dataDir.resolve("admin-token").toString());
    }
}
