package io.tollgate.cli.ops;

import io.tollgate.policy.access.AccessToken;
import io.tollgate.policy.access.TokenFile;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A token the CLI sends to a service, with where it came from, so that a refusal can say which token
 * was sent and how to send the right one. Found, in this order: the command-line option, the
 * environment variable, the file {@code tollgate up} writes under its data directory.
 *
 * @param source  e.g. "--operator-token", "TOLLGATE_OPERATOR_TOKEN", ".tollgate/operator-token"
 * @param dataDir where the token file would be, for messages
 */
public record Credential(Kind kind, AccessToken token, String source, Path dataDir) {

    /** Which token: the operator token (metering-stream, budget-alerts) or the gateway's admin token. */
    public enum Kind {
        OPERATOR("operator token", "--operator-token", "TOLLGATE_OPERATOR_TOKEN", TokenFile.OPERATOR,
                "metering-stream and budget-alerts"),
        ADMIN("admin token", "--admin-token", "TOLLGATE_ADMIN_TOKEN", TokenFile.ADMIN, "the gateway's admin listener");

        final String title;
        final String option;
        final String variable;
        final String file;
        final String services;

        Kind(String title, String option, String variable, String file, String services) {
            this.title = title;
            this.option = option;
            this.variable = variable;
            this.file = file;
            this.services = services;
        }

        /** How to supply this token, for messages. */
        public String howToSupply(Path dataDir) {
            return "pass " + option + " <token>, set " + variable + ", or keep it in " + dataDir.resolve(file)
                    + " (tollgate up writes it there; --data-dir names another directory)";
        }
    }

    /** The first of {@code option}, {@code env}'s variable and the data directory's file that holds a token. */
    public static Credential resolve(Kind kind, String option, Map<String, String> env, Path dataDir) {
        if (option != null && !option.isBlank()) {
            return new Credential(kind, AccessToken.of(option, kind.option), kind.option, dataDir);
        }
        String fromEnv = env.get(kind.variable);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new Credential(kind, AccessToken.of(fromEnv, kind.variable), kind.variable, dataDir);
        }
        Path file = dataDir.resolve(kind.file);
        Optional<AccessToken> fromFile = TokenFile.read(file);
        if (fromFile.isPresent()) {
            return new Credential(kind, fromFile.get(), file.toString(), dataDir);
        }
        throw new IllegalArgumentException("no " + kind.title + " for " + kind.services + ": " + kind.howToSupply(dataDir));
    }

    /** A token given directly (tollgate up passes the ones it generated). */
    public static Credential of(Kind kind, AccessToken token, String source) {
        return new Credential(kind, token, source, Path.of(".tollgate"));
    }

    /** Says which token was refused and how to send the right one. */
    public String refused() {
        return "the " + kind.title + " from " + source + " was refused; to send the right one, "
                + kind.howToSupply(dataDir);
    }
}
