package io.tollgate.policy.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schemas.Topics;
import io.tollgate.schemas.policy.PolicyFileParser;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.TenantPolicy;
import io.tollgate.schemas.avro.TierPolicy;
import io.tollgate.schemas.registry.SchemaRegistries;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class PolicySnapshotTest {

    static final String PLANNER_HASH = "c2ecf2cee4ddc986f366238c5075d84a76d8bf8e6f90530b5a9307c8a488d8dd";
    static final String NEW_HASH = "0000000000000000000000000000000000000000000000000000000000000001";

    static Map<String, Policy> examplePolicies() {
        return PolicyRecords.toPolicies(PolicyFileParser.parse(Path.of("../tollgate.yaml"), name -> null), "tollgate.yaml", 1L);
    }

    static Policy policy(Object variant) {
        return Policy.newBuilder().setPolicy(variant).setSource("test").build();
    }

    static ApiKeyPolicy key(String id, String hash) {
        return ApiKeyPolicy.newBuilder().setKeyId(id).setKeyHash(hash).setTenant("acme").setTeam("t").setAgent("a")
                .setTier("free").build();
    }

    @Test
    void shouldAnswerEveryLookupWhenBuiltFromTheExample() {
        PolicySnapshot snapshot = PolicySnapshot.of(examplePolicies());

        assertThat(snapshot.size()).isEqualTo(27);
        assertThat(snapshot.keyByHash(PLANNER_HASH)).map(ApiKeyPolicy::getKeyId).contains("k-planner");
        assertThat(snapshot.key("k-coder")).map(ApiKeyPolicy::getTier).contains("tier2");
        assertThat(snapshot.tier("paid")).map(TierPolicy::getName).contains("paid");
        assertThat(snapshot.budget(ScopeType.TEAM, "support", PeriodType.DAY)).isPresent();
        assertThat(snapshot.budget(ScopeType.TEAM, "support", PeriodType.MONTH)).isEmpty();
        assertThat(snapshot.tenant("acme")).map(TenantPolicy::getZone).contains("Europe/Berlin");
        assertThat(snapshot.keys()).hasSize(10);
        assertThat(snapshot.tiers()).hasSize(4);
        assertThat(snapshot.budgets()).hasSize(5);
        assertThat(snapshot.tenants()).hasSize(1);
    }

    @Test
    void shouldForgetTheOldHashWhenAKeyIsRotated() {
        // Given
        PolicySnapshot snapshot = new PolicySnapshot();
        snapshot.apply("key:k1", policy(key("k1", PLANNER_HASH)));

        // When
        snapshot.apply("key:k1", policy(key("k1", NEW_HASH)));

        // Then
        assertThat(snapshot.keyByHash(PLANNER_HASH)).isEmpty();
        assertThat(snapshot.keyByHash(NEW_HASH)).map(ApiKeyPolicy::getKeyId).contains("k1");
    }

    @Test
    void shouldRemoveTheKeyAndItsHashWhenATombstoneArrives() {
        PolicySnapshot snapshot = new PolicySnapshot();
        snapshot.apply("key:k1", policy(key("k1", PLANNER_HASH)));

        snapshot.apply("key:k1", null);

        assertThat(snapshot.key("k1")).isEmpty();
        assertThat(snapshot.keyByHash(PLANNER_HASH)).isEmpty();
        assertThat(snapshot.size()).isZero();
    }

    @Test
    void shouldRefuseARecordWhenItsKeyDoesNotMatchItsContent() {
        PolicySnapshot snapshot = new PolicySnapshot();

        assertThatThrownBy(() -> snapshot.apply("key:other", policy(key("k1", PLANNER_HASH))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'key:other'").hasMessageContaining("'key:k1'");
        assertThatThrownBy(() -> snapshot.apply("nonsense", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a policy record key");
    }

    @Test
    void shouldPublishOnlyChangesAndTombstonesWhenComparingWithDesiredPolicies() {
        // Given the topic holds the example plus a key that was deleted from the file since
        PolicySnapshot snapshot = PolicySnapshot.of(examplePolicies());
        snapshot.apply("key:k-gone", policy(key("k-gone", NEW_HASH)));
        Map<String, Policy> desired = new LinkedHashMap<>(examplePolicies());
        Policy changed = policy(TierPolicy.newBuilder().setName("paid").setLimits(List.of()).build());
        desired.put("tier:paid", changed);

        // When
        Map<String, Policy> changes = snapshot.changesTo(desired);

        // Then: unchanged records (even with another updatedAt) are not republished
        assertThat(changes).containsOnlyKeys("tier:paid", "key:k-gone");
        assertThat(changes.get("tier:paid")).isSameAs(changed);
        assertThat(changes.get("key:k-gone")).isNull();
    }

    @Test
    void shouldSeeNoChangesWhenTheTopicHoldsTheSameFileReadBackThroughTheSerde() {
        // Given the example as published and read back from the topic (Avro lists and strings)
        Serde<Policy> serde =
                Topics.forRegistry("mock://policy-snapshot-test").policies().valueSerde();
        PolicySnapshot snapshot = new PolicySnapshot();
        examplePolicies().forEach((key, policy) ->
                snapshot.apply(key, serde.deserializer().deserialize("p", serde.serializer().serialize("p", policy))));

        // When the same file is applied again, later
        Map<String, Policy> changes = snapshot.changesTo(
                PolicyRecords.toPolicies(PolicyFileParser.parse(Path.of("../tollgate.yaml"), name -> null), "tollgate.yaml", 99L));

        // Then
        assertThat(changes).isEmpty();
        SchemaRegistries.dropScope("policy-snapshot-test");
    }
}
