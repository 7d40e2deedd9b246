package io.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TollgateCliTest {

    @TempDir
    Path dir;

    @Test
    void shouldListEverySubcommandWhenAskedForHelp() {
        // When
        CliRunner run = CliRunner.run("--help");

        // Then
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("up", "policy", "usage", "alerts", "commands", "models", "keys", "Exit codes");
    }

    @Test
    void shouldExitWithUsageErrorWhenAnOptionIsUnknown() {
        // When
        CliRunner run = CliRunner.run("up", "--no-such-option");

        // Then
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--no-such-option");
    }

    @Test
    void shouldExitTwoWithFileLineAndFieldWhenThePolicyFileIsInvalid() throws IOException {
        // Given a tier limit with a negative rpm on line 3
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "tiers:\n  - name: free\n    limits: [{model: \"*\", rpm: -5}]\n");

        // When
        CliRunner run = CliRunner.run("policy", "validate", "-f", file.toString());

        // Then
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("bad.yaml:3");
    }

    @Test
    void shouldExitTwoWhenThePolicyFileDoesNotExist() {
        // When
        CliRunner run = CliRunner.run("policy", "apply", "-f", dir.resolve("missing.yaml").toString());

        // Then
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("missing.yaml", "does not exist");
    }

    @Test
    void shouldValidateTheExampleFileWhenItIsWellFormed() {
        // When
        CliRunner run = CliRunner.run("policy", "validate", "-f", exampleFile().toString(), "--json");

        // Then
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("\"valid\" : true", "\"keys\" : 10");
    }

    @Test
    void shouldExitTwoWhenTheUsageSubjectIsUnknown() {
        // When
        CliRunner run = CliRunner.run("usage", "project", "x");

        // Then
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("project", "key", "team", "agent", "conversation");
    }

    @Test
    void shouldExitTwoNamingTheFormWhenASubAgentIdHasNoAgent() {
        // When
        CliRunner run = CliRunner.run("usage", "sub_agent", "summarizer");

        // Then
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("'summarizer' is not <agent>/<sub-agent>", "planner/summarizer");
    }

    @Test
    void shouldExitTwoWhenALifetimePeriodIsAskedForATeam() {
        // When
        CliRunner run = CliRunner.run("usage", "team", "research", "--period", "lifetime");

        // Then
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("lifetime applies to conversations only");
    }

    @Test
    void shouldExitTwoWhenThePeriodIsNotKnown() {
        // When
        CliRunner run = CliRunner.run("usage", "team", "research", "--period", "week");

        // Then
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("week");
    }

    @Test
    void shouldExitOneNamingTheUrlWhenMeteringDoesNotAnswer() throws IOException {
        // Given a port nothing listens on
        int port = freePort();

        // When
        CliRunner run = CliRunner.run("usage", "key", "k-planner", "--metering-url", "http://127.0.0.1:" + port,
                "--operator-token", "cli-test-operator-token-0123");

        // Then
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("127.0.0.1:" + port);
    }

    @Test
    void shouldExitTwoWhenAKeyIdIsNotAValidName() {
        // When
        CliRunner run = CliRunner.run("keys", "create", "--id", "bad id", "--tenant", "acme", "--team", "t",
                "--agent", "a", "--tier", "free", "--bootstrap-servers", "127.0.0.1:1");

        // Then
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--id 'bad id' is not a valid name");
    }

    @Test
    void shouldExitTwoWhenARequiredKeyOptionIsMissing() {
        // When
        CliRunner run = CliRunner.run("keys", "create", "--id", "k-1");

        // Then
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--tenant");
    }

    @Test
    void shouldExitTwoWhenTheAlertLimitIsNotPositive() {
        // When
        CliRunner run = CliRunner.run("alerts", "tail", "--limit", "0");

        // Then
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--limit is 0");
    }

    @Test
    void shouldExitTwoWhenTheModelIdIsBlank() {
        // When
        CliRunner run = CliRunner.run("models", "explain", " ");

        // Then
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("model id is empty");
    }

    @Test
    void shouldExitOneWhenTheGatewayDoesNotAnswer() throws IOException {
        // When
        CliRunner run = CliRunner.run("models", "explain", "sim-large", "--admin-url", "http://127.0.0.1:" + freePort(),
                "--admin-token", "cli-test-admin-token-0123");

        // Then
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("/admin/models/sim-large");
    }

    @Test
    void shouldExitTwoSayingHowToSupplyTheOperatorTokenWhenThereIsNone() {
        // Given no option, no variable and no token file in the data directory
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("TOLLGATE_OPERATOR_TOKEN") == null);

        // When
        CliRunner run = CliRunner.run("usage", "team", "research", "--metering-url", "http://127.0.0.1:1",
                "--data-dir", dir.toString());

        // Then
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("no operator token", "--operator-token", "TOLLGATE_OPERATOR_TOKEN",
                dir.resolve("operator-token").toString());
    }

    @Test
    void shouldSayWhichTokenWasRefusedAndHowToSendTheRightOneWhenAServiceAnswers401() throws Exception {
        // Given a service that refuses every token, and a token file in the data directory
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("TOLLGATE_OPERATOR_TOKEN") == null);
        Files.writeString(dir.resolve("operator-token"), "cli-test-stale-operator-token\n");
        com.sun.net.httpserver.HttpServer refusing = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        refusing.createContext("/", exchange -> {
            byte[] body = "{\"status\":401,\"error\":\"not the operator token\"}".getBytes();
            exchange.sendResponseHeaders(401, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        refusing.start();
        try {
            // When
            CliRunner run = CliRunner.run("usage", "team", "research", "--metering-url",
                    "http://127.0.0.1:" + refusing.getAddress().getPort(), "--data-dir", dir.toString());

            // Then
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.err()).contains("answered 401", "operator token from " + dir.resolve("operator-token"),
                    "--operator-token").doesNotContain("cli-test-stale-operator-token");
        } finally {
            refusing.stop(0);
        }
    }

    @Test
    void shouldExitTwoNamingTheScopeWhenACommandsScopeIsMalformed() {
        CliRunner run = CliRunner.run("commands", "block", "--scope", "galaxy:far", "--bootstrap-servers", "127.0.0.1:1");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("'galaxy:far'", "team");
    }

    @Test
    void shouldExitTwoWhenACommandWouldLapseAtOnce() {
        CliRunner run = CliRunner.run("commands", "block", "--scope", "team:acme", "--until", "2020-01-01T00:00:00Z",
                "--bootstrap-servers", "127.0.0.1:1");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--until '2020-01-01T00:00:00Z'", "not in the future");
        assertThat(CliRunner.run("commands", "block", "--scope", "team:acme", "--until", "tomorrowish").err())
                .contains("neither an instant nor a duration");
    }

    @Test
    void shouldBindUpToLoopbackUnlessABindAddressIsGiven() {
        // When the options are parsed without and with an address
        UpCommand defaults = new UpCommand();
        new picocli.CommandLine(defaults).parseArgs();
        UpCommand everywhere = new UpCommand();
        new picocli.CommandLine(everywhere).parseArgs("--host", "0.0.0.0", "--admin-port", "0");

        // Then
        assertThat(defaults.bindAddress).isEqualTo("127.0.0.1");
        assertThat(defaults.adminPort).isEqualTo(8090);
        assertThat(everywhere.bindAddress).isEqualTo("0.0.0.0");
        assertThat(everywhere.adminPort).isZero();
    }

    @Test
    void shouldExitTwoWhenTheErrorRateIsOutOfRange() {
        // When
        CliRunner run = CliRunner.run("up", "--error-rate", "1.5", "--config", exampleFile().toString());

        // Then
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("1.5");
    }

    @Test
    void shouldExitTwoWhenTheFleetHasNoAgents() {
        // When
        CliRunner run = CliRunner.run("up", "--agents", "0", "--config", exampleFile().toString());

        // Then
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--agents is 0");
    }

    static Path exampleFile() {
        return Path.of("..", "tollgate.yaml").toAbsolutePath().normalize();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
