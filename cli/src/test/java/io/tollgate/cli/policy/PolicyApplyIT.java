package io.tollgate.cli.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.cli.CliRunner;
import io.tollgate.cli.ops.CompactedTopic;
import io.tollgate.cli.ops.ConnectionOptions;
import io.tollgate.cli.ops.KeysCommand;
import io.tollgate.localstack.junit.KafkaExtension;
import io.tollgate.localstack.junit.SharedKafka;
import io.tollgate.policy.records.PolicyRecords;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.CommandAction;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.RoutingCommand;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.policy.PolicyFileParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code policy apply}, {@code keys create|list|revoke} and {@code commands block|restore} against a real broker,
 * reading what they published back from the topics.
 */
@ExtendWith(KafkaExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // apply first: a created key is not in the file and would be deleted
class PolicyApplyIT {

    private static SharedKafka kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void topics(SharedKafka shared) {
        kafka = shared;
        kafka.createTopics(3);
    }

    @Test
    @Order(1)
    void shouldPublishOnlyWhatChangedWhenTheSameFileIsAppliedAgainAndThenEdited() throws Exception {
        // Given the example file, with its provider address resolved
        Path file = dir.resolve("tollgate.yaml");
        String yaml = Files.readString(Path.of("..", "tollgate.yaml"));
        Files.writeString(file, yaml);
        long before = recordCount();

        // When it is applied
        CliRunner first = apply(file);

        // Then every record is published once
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).contains("+ key:k-planner", "+ tier:free", "+ budget:team:research@DAY", "+ org:settings",
                "+ model:sim-large", "+ provider:simulated", "+ routing:settings");
        int published = changes(first.out());
        assertThat(published).isEqualTo(PolicyRecords.toPolicies(PolicyFileParser.parse(file), "tollgate.yaml").size());
        assertThat(recordCount() - before).isEqualTo(published);

        // When it is applied again
        CliRunner second = apply(file);

        // Then nothing is published
        assertThat(second.exit()).isZero();
        assertThat(second.out()).contains("No changes");
        assertThat(recordCount() - before).isEqualTo(published);

        // When one budget is raised and one key removed
        String edited = yaml.replace("limit_usd: 0.08, action: downgrade", "limit_usd: 0.75, action: downgrade")
                .replaceAll("(?m)^  - \\{id: k-escalation.*\\n", "");
        assertThat(edited).isNotEqualTo(yaml);
        Files.writeString(file, edited);
        CliRunner third = apply(file);

        // Then exactly those two records are published: the changed budget and a tombstone
        assertThat(third.exit()).as(third.err()).isZero();
        assertThat(third.out()).contains("~ budget:team:research@DAY", "- key:k-escalation");
        assertThat(changes(third.out())).isEqualTo(2);
        assertThat(recordCount() - before).isEqualTo(published + 2);
        Map<String, Policy> content = CompactedTopic.read(connection(), Topics.POLICIES,
                kafka.topics().policies().valueSerde().deserializer(), Duration.ofSeconds(20), problem -> { });
        assertThat(content).doesNotContainKey("key:k-escalation").containsKey("key:k-planner");
    }

    @Test
    @Order(2)
    void shouldPublishOnlyTheHashAndPrintTheSecretOnceWhenAKeyIsCreated() {
        // When
        CliRunner run = CliRunner.run("keys", "create", "--id", "k-it-analyst", "--tenant", "acme", "--team", "research",
                "--agent", "analyst", "--tier", "tier1", "--allowed-models", "sim-small,sim-local",
                "--bootstrap-servers", kafka.bootstrapServers(), "--registry-url", kafka.registryUrl());

        // Then the secret is printed and the topic holds its SHA-256 only
        assertThat(run.exit()).as(run.err()).isZero();
        Matcher secret = Pattern.compile("(tg-[A-Za-z0-9_-]{43})").matcher(run.out());
        assertThat(secret.find()).isTrue();
        Map<String, Policy> content = CompactedTopic.read(connection(), Topics.POLICIES,
                kafka.topics().policies().valueSerde().deserializer(), Duration.ofSeconds(20), problem -> { });
        ApiKeyPolicy key = (ApiKeyPolicy) content.get("key:k-it-analyst").getPolicy();
        assertThat(key.getKeyHash()).isEqualTo(KeysCommand.sha256(secret.group(1)));
        assertThat(key.getAllowedModels()).containsExactly("sim-small", "sim-local");
        assertThat(key.toString()).doesNotContain(secret.group(1));

        // When the same id is created again without --replace
        CliRunner again = CliRunner.run("keys", "create", "--id", "k-it-analyst", "--tenant", "acme", "--team", "research",
                "--agent", "analyst", "--tier", "tier1",
                "--bootstrap-servers", kafka.bootstrapServers(), "--registry-url", kafka.registryUrl());

        // Then it is refused as bad input
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("'k-it-analyst' already exists");
    }

    @Test
    @Order(3)
    void shouldRefuseAKeyOfATenantThePolicyTopicDoesNotKnow() {
        // When a key is created for a tenant with neither a tenant: record nor a key
        CliRunner run = CliRunner.run("keys", "create", "--id", "k-it-globex", "--tenant", "globex", "--team", "research",
                "--agent", "analyst", "--tier", "tier1", "--bootstrap-servers", kafka.bootstrapServers(),
                "--registry-url", kafka.registryUrl());

        // Then it is refused as bad input, saying why and how to declare the tenant, and nothing is published
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("tenant 'globex' is unknown", "tenant:globex", "tenants:", "policy apply", "acme");
        assertThat(policies()).doesNotContainKey("key:k-it-globex");
    }

    @Test
    @Order(4)
    void shouldListKeysWithoutHashesAndRevokeOneByIdWhenAsked() throws Exception {
        // When the keys are listed
        CliRunner list = CliRunner.run("keys", "list", "--json", "--bootstrap-servers", kafka.bootstrapServers(),
                "--registry-url", kafka.registryUrl());

        // Then every key is there with who it belongs to, and no hash at all
        assertThat(list.exit()).as(list.err()).isZero();
        var keys = new com.fasterxml.jackson.databind.ObjectMapper().readTree(list.out());
        assertThat(keys.findValuesAsText("id")).contains("k-planner", "k-it-analyst");
        assertThat(list.out()).doesNotContain("hash").doesNotContain(((ApiKeyPolicy) policies().get("key:k-planner")
                .getPolicy()).getKeyHash());
        CliRunner table = CliRunner.run("keys", "list", "--bootstrap-servers", kafka.bootstrapServers(),
                "--registry-url", kafka.registryUrl());
        assertThat(table.out()).contains("k-it-analyst", "acme", "research", "analyst", "sim-small,sim-local");

        // When one key is revoked
        CliRunner revoke = CliRunner.run("keys", "revoke", "k-it-analyst", "--bootstrap-servers", kafka.bootstrapServers(),
                "--registry-url", kafka.registryUrl());

        // Then its policy is republished revoked, the rest of it unchanged
        assertThat(revoke.exit()).as(revoke.err()).isZero();
        ApiKeyPolicy revoked = (ApiKeyPolicy) policies().get("key:k-it-analyst").getPolicy();
        assertThat(revoked.getRevoked()).isTrue();
        assertThat(revoked.getAllowedModels()).containsExactly("sim-small", "sim-local");
        assertThat(CliRunner.run("keys", "revoke", "k-it-analyst", "--bootstrap-servers", kafka.bootstrapServers(),
                "--registry-url", kafka.registryUrl()).out()).contains("already revoked");

        // and an unknown id is bad input naming it
        CliRunner unknown = CliRunner.run("keys", "revoke", "k-nobody", "--bootstrap-servers", kafka.bootstrapServers(),
                "--registry-url", kafka.registryUrl());
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("'k-nobody'", "keys list");
    }

    @Test
    @Order(5)
    void shouldPublishAnOperatorsBlockAndRestoreOfAScopeWhenAsked() {
        // When an operator blocks a team for two hours, then restores it
        long before = System.currentTimeMillis();
        CliRunner block = CliRunner.run("commands", "block", "--scope", "team:it-ops", "--reason", "incident 42",
                "--until", "2h", "--status", "429", "--bootstrap-servers", kafka.bootstrapServers(),
                "--registry-url", kafka.registryUrl());

        // Then the command is on the commands topic under the scope, from the operator
        assertThat(block.exit()).as(block.err()).isZero();
        RoutingCommand blocked = commands().get("team:it-ops");
        assertThat(blocked.getAction()).isEqualTo(CommandAction.BLOCK);
        assertThat(blocked.getScopeType()).isEqualTo(ScopeType.TEAM);
        assertThat(blocked.getScopeId()).isEqualTo("it-ops");
        assertThat(blocked.getSource()).isEqualTo("operator");
        assertThat(blocked.getReason()).isEqualTo("incident 42");
        assertThat(blocked.getBlockStatus()).isEqualTo(429);
        assertThat(blocked.getUntil()).isBetween(before + 7_200_000, System.currentTimeMillis() + 7_200_000);
        CliRunner inForce = CliRunner.run("commands", "list", "--in-force", "--bootstrap-servers", kafka.bootstrapServers(),
                "--registry-url", kafka.registryUrl());
        assertThat(inForce.out()).contains("team:it-ops", "BLOCK", "incident 42");

        CliRunner restore = CliRunner.run("commands", "restore", "--scope", "team:it-ops", "--bootstrap-servers",
                kafka.bootstrapServers(), "--registry-url", kafka.registryUrl());
        assertThat(restore.exit()).as(restore.err()).isZero();
        RoutingCommand restored = commands().get("team:it-ops");
        assertThat(restored.getAction()).isEqualTo(CommandAction.RESTORE);
        assertThat(restored.getSource()).isEqualTo("operator");
        assertThat(restored.getReason()).isEqualTo("restored by an operator");
    }

    private static Map<String, Policy> policies() {
        return CompactedTopic.read(connection(), Topics.POLICIES, kafka.topics().policies().valueSerde().deserializer(),
                Duration.ofSeconds(20), problem -> { });
    }

    private static Map<String, RoutingCommand> commands() {
        return CompactedTopic.read(connection(), Topics.COMMANDS, kafka.topics().commands().valueSerde().deserializer(),
                Duration.ofSeconds(20), problem -> { });
    }

    private static CliRunner apply(Path file) {
        return CliRunner.run("policy", "apply", "-f", file.toString(), "--bootstrap-servers", kafka.bootstrapServers(),
                "--registry-url", kafka.registryUrl());
    }

    private static int changes(String out) {
        Matcher m = Pattern.compile("Published (\\d+) change").matcher(out);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private static ConnectionOptions connection() {
        return new ConnectionOptions(kafka.bootstrapServers(), kafka.registryUrl());
    }

    /** Records on the policy topic, tombstones included: what apply actually produced. */
    private static long recordCount() {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(kafka.consumerProperties("count-" + System.nanoTime()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(Topics.POLICIES).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, Long> start = consumer.beginningOffsets(partitions);
            return partitions.stream().mapToLong(p -> end.get(p) - start.get(p)).sum();
        }
    }
}
