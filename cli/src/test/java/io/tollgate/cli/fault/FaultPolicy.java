package io.tollgate.cli.fault;

import io.tollgate.policy.price.Price;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The policy file of a fault test: one team per fault, each with its own key, its own model and a budget, so that
 * every figure of a team (the provider's counters for its model, metering's spend of the team and key, budget-alerts'
 * spend of its budget) belongs to that fault alone, whatever else runs on the same stack. Every model is priced like
 * the example's sim-large and served by the simulated provider ({@code ${TOLLGATE_SIMULATED_PROVIDER_URL}}); days
 * are UTC. No routing section: no fallback can move a call to another team's model.
 */
public final class FaultPolicy {

    /** Prices of every team's model, micro-dollars per million tokens (input, cached input, output). */
    public static final Price PRICE = Price.of(2_500_000, 1_250_000, 10_000_000);
    /** The provider's request timeout: longer than the slowest answer a test asks for. */
    public static final int REQUEST_TIMEOUT_MS = 120_000;
    /** Every team's daily budget: far above what a test spends, so no command changes a call. */
    public static final String BUDGET_USD = "1000.00";

    private final List<String> teams;

    public FaultPolicy(List<String> teams) {
        this.teams = List.copyOf(teams);
    }

    public List<String> teams() {
        return teams;
    }

    public static String keyId(String team) {
        return "k-" + team;
    }

    public static String secret(String team) {
        return "tg-fault-" + team;
    }

    public static String model(String team) {
        return "m-" + team;
    }

    public static String agent(String team) {
        return "a-" + team;
    }

    /** The budget policy's key on the policy topic. */
    public static String budgetScope(String team) {
        return "team:" + team;
    }

    /** Writes the file and returns its path. */
    public Path write(Path file) {
        StringBuilder yaml = new StringBuilder("""
                organisation: {zone: UTC, reset_hour: 0, quota_warning_percent: 80}
                tenants:
                  - {name: acme, zone: UTC, reset_hour: 0}
                providers:
                  - name: simulated
                    base_url: ${TOLLGATE_SIMULATED_PROVIDER_URL}
                    api_keys: [sim-key-fault]
                    connect_timeout_ms: 2000
                    request_timeout_ms: %d
                    discovery: none
                models:
                """.formatted(REQUEST_TIMEOUT_MS));
        for (String team : teams) {
            yaml.append("  - {id: ").append(model(team)).append(", provider: simulated, context_window: 128000, ")
                    .append("max_output_tokens: 16384, tokenizer: o200k_base, ")
                    .append("price: {input: 2.50, output: 10.00, cached_input: 1.25}, tier: large}\n");
        }
        yaml.append("""
                tiers:
                  - name: paid
                    limits:
                      - {model: "*", rpm: 100000, tpm: 100000000}
                keys:
                """);
        for (String team : teams) {
            yaml.append("  - {id: ").append(keyId(team)).append(", hash: ").append(sha256(secret(team)))
                    .append(", tenant: acme, team: ").append(team).append(", agent: ").append(agent(team))
                    .append(", tier: paid, allowed_models: [").append(model(team)).append("]}\n");
        }
        yaml.append("budgets:\n");
        for (String team : teams) {
            yaml.append("  - {scope: \"team:").append(team).append("\", period: day, limit_usd: ").append(BUDGET_USD)
                    .append(", action: alert}\n");
        }
        try {
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the fault policy file " + file, e);
        }
        return file;
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
