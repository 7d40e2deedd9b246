package io.tollgate.policy.records;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.records.PolicyRecordCheck.Apply;
import io.tollgate.policy.records.PolicyRecordCheck.Problem;
import io.tollgate.policy.records.PolicyRecordCheck.Refuse;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.registry.SchemaRegistries;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PolicyRecordCheckTest {

    private static final String SCOPE = "policy-record-check-test";
    private final Serde<Policy> serde = Topics.forRegistry("mock://" + SCOPE).policies().valueSerde();

    @AfterEach
    void dropScope() {
        SchemaRegistries.dropScope(SCOPE);
    }

    private static Policy key(String id) {
        return Policy.newBuilder().setPolicy(ApiKeyPolicy.newBuilder().setKeyId(id).setKeyHash("0".repeat(64))
                .setTenant("t").setTeam("t").setAgent("a").setTier("free").build()).build();
    }

    @Test
    void shouldApplyWhenKeyMatchesContent() {
        var outcome = PolicyRecordCheck.check("key:k-1", serde.serializer().serialize(Topics.POLICIES, key("k-1")), serde.deserializer());

        assertThat(outcome).isInstanceOfSatisfying(Apply.class, a -> assertThat(a.policy()).isEqualTo(key("k-1")));
    }

    @Test
    void shouldRefuseWhenContentBelongsUnderAnotherKey() {
        var outcome = PolicyRecordCheck.check("key:k-intruder", key("k-t9"));

        assertThat(outcome).isInstanceOfSatisfying(Refuse.class, r -> {
            assertThat(r.problem()).isEqualTo(Problem.KEY_MISMATCH);
            assertThat(r.detail()).contains("key:k-intruder").contains("key:k-t9");
        });
    }

    @Test
    void shouldRefuseUnreadableBytesWithoutThrowing() {
        var outcome = PolicyRecordCheck.check("key:k-1", new byte[] {0, 0, 0, 0, 99, 1, 2}, serde.deserializer());

        assertThat(outcome).isInstanceOfSatisfying(Refuse.class, r -> assertThat(r.problem()).isEqualTo(Problem.UNREADABLE));
    }

    @Test
    void shouldRefuseUnknownKindsAndMissingKeysEvenAsTombstones() {
        assertThat(PolicyRecordCheck.check("nonsense", null)).isInstanceOfSatisfying(Refuse.class,
                r -> assertThat(r.problem()).isEqualTo(Problem.UNKNOWN_KIND));
        assertThat(PolicyRecordCheck.check(null, (Policy) null)).isInstanceOfSatisfying(Refuse.class,
                r -> assertThat(r.problem()).isEqualTo(Problem.MISSING_KEY));
        assertThat(PolicyRecordCheck.check("key:", (Policy) null)).isInstanceOf(Refuse.class);
    }

    @Test
    void shouldApplyTombstonesOfPolicyKeys() {
        assertThat(PolicyRecordCheck.check("budget:team:a@DAY", (byte[]) null, serde.deserializer()))
                .isInstanceOfSatisfying(Apply.class, a -> assertThat(a.isDelete()).isTrue());
    }
}
