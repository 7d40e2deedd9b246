package io.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TollgateCliTest {

    @Test
    void shouldListSubcommandsWhenAskedForHelp() {
        // Given
        StringWriter out = new StringWriter();
        CommandLine cli = TollgateCli.commandLine();
        cli.setOut(new PrintWriter(out));

        // When
        int exit = cli.execute("--help");

        // Then
        assertThat(exit).isZero();
        assertThat(out.toString()).contains("up", "Exit codes");
    }

    @Test
    void shouldExitWithUsageErrorWhenAnOptionIsUnknown() {
        // Given
        StringWriter err = new StringWriter();
        CommandLine cli = TollgateCli.commandLine();
        cli.setErr(new PrintWriter(err));

        // When
        int exit = cli.execute("up", "--no-such-option");

        // Then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--no-such-option");
    }
}
