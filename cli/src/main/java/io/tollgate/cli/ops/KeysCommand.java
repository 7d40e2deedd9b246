package io.tollgate.cli.ops;

import io.tollgate.cli.policy.PolicyTopic;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.policy.records.PolicyRecords;
import io.tollgate.policy.records.PolicySnapshot;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tollgate keys create}: a new API key; the secret is printed once and only its hash is stored. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "API keys for agents.",
        subcommands = KeysCommand.Create.class)
public final class KeysCommand {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    /** Lower-case hex SHA-256 of the secret, as the gateway compares it. */
    public static String sha256(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create an API key: publishes an ApiKeyPolicy with the SHA-256 of a new random secret to"
                    + " tollgate.policies.v1 (gateways pick it up within a second) and prints the secret once."
                    + " Store it now: Tollgate keeps only the hash.",
                    "Example:  tollgate keys create --id k-analyst --tenant acme --team research --agent analyst --tier tier1",
                    "A key created here is not in tollgate.yaml: apply the file with 'policy apply --keep-absent' to keep it."})
    public static final class Create implements Callable<Integer> {
        @Option(names = "--id", required = true, paramLabel = "ID", description = "Public key id, e.g. k-analyst.")
        String id;

        @Option(names = "--tenant", required = true, paramLabel = "TENANT")
        String tenant;

        @Option(names = "--team", required = true, paramLabel = "TEAM")
        String team;

        @Option(names = "--agent", required = true, paramLabel = "AGENT")
        String agent;

        @Option(names = "--tier", required = true, paramLabel = "TIER", description = "A tier of the policy (free, tier1, tier2, paid, ...).")
        String tier;

        @Option(names = "--allowed-models", split = ",", paramLabel = "MODEL", description = "Only these models (default: every model).")
        List<String> allowedModels = new ArrayList<>();

        @Option(names = "--replace", description = "Replace an existing key with this id (its old secret stops working).")
        boolean replace;

        @Option(names = "--json", description = "Print the key as JSON (the secret included, once).")
        boolean json;

        @Mixin
        ConnectionOptions connection = new ConnectionOptions();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            check("--id", id);
            check("--tenant", tenant);
            check("--team", team);
            check("--agent", agent);
            check("--tier", tier);
            allowedModels.forEach(m -> check("--allowed-models", m));
            PolicyTopic topic = new PolicyTopic(connection);
            PolicySnapshot current = topic.read(Duration.ofSeconds(30), spec.commandLine().getErr()::println);
            if (current.key(id).isPresent() && !replace) {
                throw new IllegalArgumentException("key id '" + id + "' already exists; choose another id or pass --replace");
            }
            if (!current.tiers().isEmpty() && current.tier(tier).isEmpty()) {
                throw new IllegalArgumentException("tier '" + tier + "' is not on the policy topic; expected one of "
                        + current.tiers().stream().map(t -> t.getName()).toList());
            }
            String secret = newSecret();
            ApiKeyPolicy key = ApiKeyPolicy.newBuilder().setKeyId(id).setKeyHash(sha256(secret)).setTenant(tenant)
                    .setTeam(team).setAgent(agent).setTier(tier).setAllowedModels(List.copyOf(allowedModels))
                    .setLimitOverrides(List.of()).setRevoked(false).build();
            Policy policy = Policy.newBuilder().setPolicy(key).setUpdatedAt(System.currentTimeMillis())
                    .setSource("tollgate keys create").build();
            topic.publish(Map.of(PolicyRecords.apiKeyKey(id), policy));
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(ServiceHttp.json().writerWithDefaultPrettyPrinter().writeValueAsString(Map.of(
                        "id", id, "secret", secret, "hash", key.getKeyHash(), "tenant", tenant, "team", team,
                        "agent", agent, "tier", tier)));
            } else {
                out.println("Created key " + id + " (" + tenant + "/" + team + "/" + agent + ", tier " + tier + ").");
                out.println("Secret (shown once, Tollgate keeps only its SHA-256):");
                out.println("  " + secret);
                out.println("Agents send it as:  Authorization: Bearer " + secret);
            }
            return 0;
        }

        private static void check(String option, String value) {
            if (value == null || !NAME.matcher(value).matches()) {
                throw new IllegalArgumentException(option + " '" + value + "' is not a valid name; expected 1-128 of"
                        + " letters, digits, '.', '_', ':' or '-', starting with a letter or digit");
            }
        }

        private static String newSecret() {
            byte[] bytes = new byte[32];
            new SecureRandom().nextBytes(bytes);
            return "tg-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        }
    }
}
