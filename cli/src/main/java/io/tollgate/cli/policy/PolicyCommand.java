package io.tollgate.cli.policy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.cli.ops.ConnectionOptions;
import io.tollgate.cli.ops.ServiceHttp;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.policy.PolicyFileParser;
import io.tollgate.policy.records.PolicyRecordCheck;
import io.tollgate.policy.records.PolicyRecords;
import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.policy.topic.PolicyView;
import io.tollgate.schemas.policy.TollgateConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code tollgate policy validate|apply}: the policy file and the policy topic. */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = "Check tollgate.yaml and publish it to the policy topic (tollgate.policies.v1), which every"
                + " Tollgate service follows: keys, tiers, budgets, tenants, models and routing change without restarts;"
                + " providers (which hold secrets) are read by each gateway at start.",
        subcommands = {PolicyCommand.Validate.class, PolicyCommand.Apply.class})
public final class PolicyCommand {

    /** Parses the file; a {@link io.tollgate.schemas.policy.PolicyFileException} says file:line: field. */
    static TollgateConfig parse(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("policy file " + file + " does not exist or is not a file;"
                    + " pass the path of tollgate.yaml with -f");
        }
        return PolicyFileParser.parse(file);
    }

    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Check a policy file without publishing anything. Exit 0 when valid, 2 with file:line: field"
                    + " and the problem when not.")
    static final class Validate implements Callable<Integer> {
        @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "The policy file, e.g. tollgate.yaml.")
        Path file;

        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            TollgateConfig config = parse(file);
            Map<String, Policy> records = PolicyRecords.toPolicies(config, file.getFileName().toString());
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                ObjectNode node = ServiceHttp.json().createObjectNode();
                node.put("file", file.toString()).put("valid", true).put("records", records.size())
                        .put("keys", config.keys().size()).put("tiers", config.tiers().size())
                        .put("budgets", config.budgets().size()).put("models", config.models().size());
                out.println(ServiceHttp.json().writerWithDefaultPrettyPrinter().writeValueAsString(node));
            } else {
                out.printf("%s is valid: %d policy records (%d keys, %d tiers, %d budgets), %d models.%n", file,
                        records.size(), config.keys().size(), config.tiers().size(), config.budgets().size(),
                        config.models().size());
            }
            return 0;
        }
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = {"Validate a policy file, then publish only what differs from the policy topic's current"
                    + " content: new and changed records, and a deletion (tombstone) for each record no longer in"
                    + " the file. Prints every change. Applying the same file twice publishes nothing the second time.",
                    "Keys created with 'tollgate keys create' are not in the file: use --keep-absent to keep them."})
    public static final class Apply implements Callable<Integer> {
        @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "The policy file, e.g. tollgate.yaml.")
        Path file;

        @Option(names = "--dry-run", description = "Show what would change, publish nothing.")
        boolean dryRun;

        @Option(names = "--keep-absent", description = "Do not delete records that are on the topic but not in the file.")
        boolean keepAbsent;

        @Option(names = "--json", description = "Print the changes as JSON.")
        boolean json;

        @Option(names = "--timeout", paramLabel = "SECONDS", description = "How long to wait for Kafka (default: ${DEFAULT-VALUE}).")
        int timeoutSeconds = 30;

        @Mixin
        ConnectionOptions connection = new ConnectionOptions();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            TollgateConfig config = parse(file);
            PrintWriter err = spec.commandLine().getErr();
            PrintWriter out = spec.commandLine().getOut();
            if (!json) {
                err.printf("Validated %s. Reading %s from %s...%n", file, io.tollgate.schemas.Topics.POLICIES,
                        connection.bootstrapServers());
                err.flush();
            }
            java.util.List<PolicyChange> changes = apply(config, file.getFileName().toString(), connection,
                    Duration.ofSeconds(timeoutSeconds), keepAbsent, dryRun, err::println);
            print(changes, out);
            return 0;
        }

        private void print(java.util.List<PolicyChange> changes, PrintWriter out) throws Exception {
            if (json) {
                ObjectNode node = ServiceHttp.json().createObjectNode();
                node.put("file", file.toString()).put("published", !dryRun);
                ArrayNode list = node.putArray("changes");
                changes.forEach(c -> list.addObject().put("key", c.key()).put("change", c.kind().name().toLowerCase(java.util.Locale.ROOT))
                        .put("value", c.value() == null ? null : c.value().getPolicy().toString()).put("note", c.note()));
                out.println(ServiceHttp.json().writerWithDefaultPrettyPrinter().writeValueAsString(node));
                return;
            }
            if (changes.isEmpty()) {
                out.println("No changes: the policy topic already holds " + file + ".");
                return;
            }
            changes.forEach(c -> out.printf("  %s %s%s%n", c.kind().mark(), c.key(), c.note().isEmpty() ? "" : "  (" + c.note() + ")"));
            out.printf("%s %d change(s) (+ added, ~ changed, - deleted, ! healed).%n", dryRun ? "Would publish" : "Published",
                    changes.size());
        }
    }

    /**
     * Publishes what differs between {@code config} and the topic and returns it. Shared by {@code policy apply} and {@code tollgate up}.
     */
    public static java.util.List<PolicyChange> apply(TollgateConfig config, String source, ConnectionOptions connection,
                                            Duration timeout, boolean keepAbsent, boolean dryRun,
                                            java.util.function.Consumer<String> progress) {
        PolicyTopic topic = new PolicyTopic(connection);
        PolicyView view = topic.readView(timeout, progress);
        PolicySnapshot current = view.snapshot();
        Map<String, Policy> desired = PolicyRecords.toPolicies(config, source);
        Map<String, Policy> changes = new LinkedHashMap<>(current.changesTo(desired));
        if (keepAbsent) {
            changes.values().removeIf(java.util.Objects::isNull);
        }
        // a refused record is the key's latest on the topic: replace it with the file's record, or delete it
        Map<String, PolicyRecordCheck.Refuse> refused = view.refusedKeys();
        refused.keySet().forEach(key -> changes.put(key, desired.get(key)));
        if (!dryRun) {
            topic.publish(changes);
        }
        java.util.List<PolicyChange> list = new java.util.ArrayList<>();
        changes.forEach((key, value) -> {
            PolicyRecordCheck.Refuse refuse = refused.get(key);
            PolicyChange.Kind kind = refuse != null ? PolicyChange.Kind.HEAL : value == null ? PolicyChange.Kind.DELETE
                    : current.records().containsKey(key) ? PolicyChange.Kind.CHANGE : PolicyChange.Kind.ADD;
            String note = refuse != null
                    ? (value == null ? "tombstoned" : "replaced") + " a refused record (" + refuse.problem() + "): "
                            + refuse.detail()
                    : key.startsWith(PolicyRecords.PROVIDER_PREFIX)
                            ? "providers are read by each gateway at start, with their secrets: restart the gateways to apply"
                            : "";
            list.add(new PolicyChange(key, kind, value, note));
        });
        return list;
    }
}
