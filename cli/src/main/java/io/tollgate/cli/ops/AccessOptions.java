package io.tollgate.cli.ops;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the CLI finds the tokens of Tollgate's services ({@link Credential}). */
public final class AccessOptions {

    private AccessOptions() {
    }

    /** {@code --operator-token} and {@code --data-dir}: for commands that call metering-stream or budget-alerts. */
    public static final class Operator {
        @Option(names = "--operator-token", paramLabel = "TOKEN",
                description = "Operator token of metering-stream and budget-alerts (default: TOLLGATE_OPERATOR_TOKEN,"
                        + " else the operator-token file of --data-dir). Prefer the variable or the file: options show in"
                        + " the process list.")
        String token;

        @Option(names = "--data-dir", paramLabel = "DIR",
                description = "Where tollgate up keeps its token files (default: ${DEFAULT-VALUE}).")
        Path dataDir = Path.of(".tollgate");

        public Credential credential() {
            return Credential.resolve(Credential.Kind.OPERATOR, token, System.getenv(), dataDir);
        }
    }

    /** {@code --admin-token} and {@code --data-dir}: for commands that call the gateway's admin listener. */
    public static final class Admin {
        @Option(names = "--admin-token", paramLabel = "TOKEN",
                description = "The gateway's admin token (default: TOLLGATE_ADMIN_TOKEN, else the admin-token file of"
                        + " --data-dir). Prefer the variable or the file: options show in the process list.")
        String token;

        @Option(names = "--data-dir", paramLabel = "DIR",
                description = "Where tollgate up keeps its token files (default: ${DEFAULT-VALUE}).")
        Path dataDir = Path.of(".tollgate");

        public Credential credential() {
            return Credential.resolve(Credential.Kind.ADMIN, token, System.getenv(), dataDir);
        }
    }
}
