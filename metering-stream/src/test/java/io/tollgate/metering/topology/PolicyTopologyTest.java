package io.tollgate.metering.topology;

import static io.tollgate.metering.topology.TopologyFixture.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.deadletter.DeadLetter;
import io.tollgate.policy.records.PolicyRecordCheck;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.TenantPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The policy global store applies PolicyRecordCheck: refused records are never applied, counted, dead-lettered. */
class PolicyTopologyTest {

    private final TopologyFixture fx = new TopologyFixture();
    private final TestInputTopic<byte[], byte[]> raw = fx.driver.createInputTopic(Topics.POLICIES,
            Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());

    @AfterEach
    void close() {
        fx.close();
    }

    private static Policy tenant(String name, String zone, int resetHour) {
        return Policy.newBuilder().setPolicy(new TenantPolicy(name, zone, resetHour)).build();
    }

    private byte[] store(String key) {
        return fx.<byte[]>store(PolicyTopology.POLICY_STORE).get(key);
    }

    @Test
    void shouldRefuseAndDeadLetterAPolicyRecordWhenItCannotBeRead() {
        // Given a garbage value under a tenant key
        byte[] garbage = "{not avro".getBytes(StandardCharsets.UTF_8);
        raw.pipeInput("tenant:acme".getBytes(StandardCharsets.UTF_8), garbage);

        // Then it is not applied, counted, and handed to the dead-letter publisher with its bytes and reason
        assertThat(store("tenant:acme")).isNull();
        assertThat(fx.metrics.refused(PolicyRecordCheck.Problem.UNREADABLE)).isEqualTo(1.0);
        assertThat(fx.policyDeadLetters).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo("UNREADABLE");
            assertThat(letter.value()).isEqualTo(garbage);
            assertThat(letter.topic()).isEqualTo(Topics.POLICIES);
            assertThat(letter.application()).isEqualTo("tollgate-metering-test");
        });
        // and usage is still counted, in the org calendar
        fx.send(request("c1", "k1", "m", Instant.parse("2026-11-21T10:00:00Z"), 10, 1));
        assertThat(TopologyFixture.latest(fx.quotaStatus).get("k1|*").getDayKey()).isEqualTo("2026-11-21");
    }

    @Test
    void shouldKeepTheRecordAKeyHeldWhenAnotherTenantsPolicyArrivesUnderIt() {
        // Given acme's calendar, then a record under acme's key whose content is globex's
        fx.policies.pipeInput("tenant:acme", tenant("acme", "America/New_York", 6));
        byte[] acme = store("tenant:acme");
        fx.policies.pipeInput("tenant:acme", tenant("globex", "Asia/Tokyo", 0));

        // Then the intruder is refused and acme's record stays
        assertThat(store("tenant:acme")).isEqualTo(acme);
        assertThat(store("tenant:globex")).isNull();
        assertThat(fx.metrics.refused(PolicyRecordCheck.Problem.KEY_MISMATCH)).isEqualTo(1.0);
        assertThat(fx.policyDeadLetters).extracting(DeadLetter::reason).containsExactly("KEY_MISMATCH");
        assertThat(fx.policyDeadLetters.getFirst().detail()).contains("tenant:globex");
    }

    @Test
    void shouldDeleteAPolicyWhenItsTombstoneArrivesAndRefuseAKeylessRecord() {
        fx.policies.pipeInput("tenant:acme", tenant("acme", "America/New_York", 6));
        raw.pipeInput("tenant:acme".getBytes(StandardCharsets.UTF_8), (byte[]) null);
        raw.pipeInput((byte[]) null, "x".getBytes(StandardCharsets.UTF_8));

        assertThat(store("tenant:acme")).isNull();
        assertThat(fx.policyDeadLetters).extracting(DeadLetter::reason).containsExactly("MISSING_KEY");
        assertThat(fx.metrics.refused(PolicyRecordCheck.Problem.MISSING_KEY)).isEqualTo(1.0);
    }
}
