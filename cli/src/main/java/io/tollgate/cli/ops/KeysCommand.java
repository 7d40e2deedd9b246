package io.tollgate.cli.ops;

import com.fasterxml.jackson.databind.node.ArrayNode;
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
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tollgate keys create|list|revoke}: API keys on {@code tollgate.policies.v1}. A new key's secret is
 * printed once and only its hash is stored; nothing here ever prints a hash.
 */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "API keys for agents.",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
public final class KeysCommand {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

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
                    "The tenant must be declared: a tenant:<name> record (tollgate.yaml 'tenants:', applied) or a key of it.",
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
            PolicySnapshot current = topic.read(READ_TIMEOUT, spec.commandLine().getErr()::println);
            if (current.key(id).isPresent() && !replace) {
                throw new IllegalArgumentException("key id '" + id + "' already exists; choose another id or pass --replace");
            }
            requireKnownTenant(current, tenant);
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

        /** A tenant is known by its {@code tenant:<name>} record or by a key that already belongs to it. */
        static void requireKnownTenant(PolicySnapshot current, String tenant) {
            boolean declared = current.tenant(tenant).isPresent();
            boolean hasKeys = current.keys().stream().anyMatch(k -> k.getTenant().equals(tenant));
            if (declared || hasKeys) {
                return;
            }
            TreeSet<String> known = new TreeSet<>();
            current.tenants().forEach(t -> known.add(t.getTenant()));
            current.keys().forEach(k -> known.add(k.getTenant()));
            throw new IllegalArgumentException("tenant '" + tenant + "' is unknown: the policy topic has no "
                    + PolicyRecords.tenantKey(tenant) + " record and no key of that tenant"
                    + (known.isEmpty() ? "" : "; known tenants: " + known) + ". Declare it in tollgate.yaml under"
                    + " 'tenants:' (- name: " + tenant + ") and run 'tollgate policy apply -f tollgate.yaml', or pass a"
                    + " known tenant");
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

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"The API keys on tollgate.policies.v1: id, tenant, team, agent, tier, allowed models and"
                    + " whether revoked. Never the secret's hash.",
                    "Examples:  tollgate keys list      tollgate keys list --json"})
    public static final class ListKeys implements Callable<Integer> {
        @Option(names = "--json", description = "Print the keys as JSON.")
        boolean json;

        @Mixin
        ConnectionOptions connection = new ConnectionOptions();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            List<ApiKeyPolicy> keys = new PolicyTopic(connection).read(READ_TIMEOUT, spec.commandLine().getErr()::println)
                    .keys();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                ArrayNode list = ServiceHttp.json().createArrayNode();
                for (ApiKeyPolicy k : keys) {
                    var entry = list.addObject().put("id", k.getKeyId()).put("tenant", k.getTenant()).put("team", k.getTeam())
                            .put("agent", k.getAgent()).put("tier", k.getTier()).put("revoked", k.getRevoked());
                    ArrayNode models = entry.putArray("allowedModels");
                    k.getAllowedModels().forEach(models::add);
                }
                out.println(ServiceHttp.json().writerWithDefaultPrettyPrinter().writeValueAsString(list));
                return 0;
            }
            if (keys.isEmpty()) {
                out.println("No API keys on the policy topic.");
                return 0;
            }
            out.printf("%-20s %-12s %-12s %-14s %-8s %-8s %s%n", "ID", "TENANT", "TEAM", "AGENT", "TIER", "REVOKED", "MODELS");
            for (ApiKeyPolicy k : keys) {
                out.printf("%-20s %-12s %-12s %-14s %-8s %-8s %s%n", k.getKeyId(), k.getTenant(), k.getTeam(), k.getAgent(),
                        k.getTier(), k.getRevoked() ? "yes" : "no",
                        k.getAllowedModels().isEmpty() ? "all" : String.join(",", k.getAllowedModels()));
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = {"Revoke an API key: republishes its ApiKeyPolicy with revoked=true; every gateway refuses it"
                    + " (403 api_key_revoked) within a second. A key that is also in tollgate.yaml must be marked"
                    + " 'revoked: true' there too, or the next 'policy apply' restores it.",
                    "Example:  tollgate keys revoke k-analyst"})
    public static final class Revoke implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "The key id, e.g. k-analyst ('tollgate keys list' shows them).")
        String id;

        @Mixin
        ConnectionOptions connection = new ConnectionOptions();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Create.check("ID", id);
            PolicyTopic topic = new PolicyTopic(connection);
            Optional<ApiKeyPolicy> key = topic.read(READ_TIMEOUT, spec.commandLine().getErr()::println).key(id);
            if (key.isEmpty()) {
                throw new IllegalArgumentException("key id '" + id + "' is not on the policy topic; 'tollgate keys list'"
                        + " shows the keys there");
            }
            PrintWriter out = spec.commandLine().getOut();
            if (key.get().getRevoked()) {
                out.println("Key " + id + " is already revoked; nothing published.");
                return 0;
            }
            ApiKeyPolicy revoked = ApiKeyPolicy.newBuilder(key.get()).setRevoked(true).build();
            topic.publish(Map.of(PolicyRecords.apiKeyKey(id), Policy.newBuilder().setPolicy(revoked)
                    .setUpdatedAt(System.currentTimeMillis()).setSource("tollgate keys revoke").build()));
            out.println("Revoked key " + id + " (" + revoked.getTenant() + "/" + revoked.getTeam() + "/"
                    + revoked.getAgent() + "); gateways refuse it from now on.");
            return 0;
        }
    }
}
