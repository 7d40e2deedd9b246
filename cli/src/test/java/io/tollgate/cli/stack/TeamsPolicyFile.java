package io.tollgate.cli.stack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A small tollgate.yaml for tests and benchmarks: the example file's organisation, provider, models
 * and tiers, then one key per team (secret {@code tg-test-<team>}, tier paid) and the given budget
 * lines. No routing section, so no fallback chain can mask which model a command chose.
 */
public final class TeamsPolicyFile {

    private TeamsPolicyFile() {
    }

    /** One team: its key id is {@code k-<team>}, its secret {@link #secret(String)}. */
    public record Team(String name, String budget) {
    }

    public static String secret(String team) {
        return "tg-test-" + team;
    }

    public static String keyId(String team) {
        return "k-" + team;
    }

    /** Writes the file and returns its path. */
    public static Path write(Path file, List<Team> teams) throws IOException {
        String example = Files.readString(exampleFile());
        int keysAt = example.indexOf("# API keys");
        if (keysAt < 0) {
            throw new IllegalStateException("tollgate.yaml has no '# API keys' section to cut before");
        }
        StringBuilder yaml = new StringBuilder(example.substring(0, keysAt)).append("keys:\n");
        for (Team team : teams) {
            yaml.append("  - {id: ").append(keyId(team.name())).append(", hash: ").append(sha256(secret(team.name())))
                    .append(", tenant: acme, team: ").append(team.name()).append(", agent: agent-").append(team.name())
                    .append(", tier: paid}\n");
        }
        yaml.append("budgets:\n");
        for (Team team : teams) {
            yaml.append("  - {scope: \"team:").append(team.name()).append("\", period: day, ").append(team.budget())
                    .append("}\n");
        }
        Files.writeString(file, yaml);
        return file;
    }

    /** The repository's tollgate.yaml, from the cli module (tests) or the repository root (benchmarks). */
    private static Path exampleFile() {
        for (Path root : List.of(Path.of(".."), Path.of("."))) {
            if (Files.exists(root.resolve("cli").resolve("pom.xml"))) {
                return root.resolve("tollgate.yaml");
            }
        }
        throw new IllegalStateException("run from the repository root or the cli module: no cli/pom.xml in "
                + Path.of("").toAbsolutePath() + " or its parent");
    }

    private static String sha256(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
