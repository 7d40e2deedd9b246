package io.tollgate.gateway.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.gateway.routing.Caller;
import io.tollgate.gateway.routing.CommandConsumer;
import io.tollgate.gateway.routing.CommandView;
import io.tollgate.gateway.routing.Commands;
import io.tollgate.gateway.routing.ComplexityScorer;
import io.tollgate.gateway.routing.ConfigModelDirectory;
import io.tollgate.gateway.routing.ModelInfo;
import io.tollgate.gateway.routing.PolicyRouter;
import io.tollgate.gateway.routing.PromptFeatures;
import io.tollgate.localstack.junit.KafkaExtension;
import io.tollgate.localstack.junit.SharedKafka;
import io.tollgate.policy.limits.RateLimits;
import io.tollgate.policy.scope.Keys;
import io.tollgate.policy.topic.CompactedView;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.avro.RoutingCommand;
import io.tollgate.schemas.avro.ScopeType;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The views' consumers against a real broker: quota status and routing commands produced to their
 * topics reach the in-memory views, and admission and the command precedence act on them.
 * Apply latencies are printed, never asserted (2 shared cores); see docs/benchmarks-history.md, "View apply
 * latency on the embedded broker".
 */
@ExtendWith(KafkaExtension.class)
class ControlViewsIT {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @BeforeAll
    static void createTopics(SharedKafka kafka) {
        kafka.createTopics(3);
    }

    @Test
    void shouldUpdateQuotaViewAndAdmissionWhenQuotaStatusIsProduced(SharedKafka kafka) throws Exception {
        // Given a running quota-view consumer and a key with rpm 60
        QuotaView view = new QuotaView();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TestPolicies policies = new TestPolicies()
                .key("k-it-quota", "acme", Map.of("*", new RateLimits(60L, null, null, null)));
        QuotaAdmission admission = new QuotaAdmission(view, policies.limits, policies.calendars, () -> 1,
                QuotaAdmission.Settings.defaults());
        Caller caller = new Caller("k-it-quota", "acme", "t", "a", "it", null);
        Topics topics = kafka.topics();
        try (QuotaViewConsumer consumer = new QuotaViewConsumer(consumerConfig(kafka), topics, view, registry,
                Clock.systemUTC(), CompactedView.Refusals.LOG_ONLY).start();
             KafkaProducer<String, QuotaStatus> producer = new KafkaProducer<>(kafka.producerProperties(),
                     new StringSerializer(), topics.quotaStatus().valueSerde().serializer())) {
            assertThat(consumer.awaitCaughtUp(PATIENCE)).isTrue();
            producer.partitionsFor(Topics.QUOTA_STATUS); // metadata first: time the view, not the producer's start
            long now = System.currentTimeMillis();
            assertThat(admission.tryAdmit(caller, "sim-large", 0, now)).isInstanceOf(AdmissionDecision.Admitted.class);

            // When the metering stream reports the key's minute full (60 requests in the current second)
            long second = now / 1000 * 1000;
            QuotaStatus full = QuotaStatuses.of("k-it-quota", "*").bucket(second, 60, 6_000)
                    .updatedAt(System.currentTimeMillis()).build();
            long sentAt = System.nanoTime();
            producer.send(new ProducerRecord<>(Topics.QUOTA_STATUS, Keys.quota("k-it-quota", "*"), full)).get();

            // Then the view shows it, admission waits for that second to leave the window, staleness is measured
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(5))
                    .until(() -> view.get("k-it-quota", "*") != null);
            long appliedMicros = (System.nanoTime() - sentAt) / 1_000;
            AdmissionDecision decision = admission.tryAdmit(caller, "sim-large", 0, System.currentTimeMillis());
            assertThat(decision).isInstanceOf(AdmissionDecision.Wait.class);
            assertThat(((AdmissionDecision.Wait) decision).waitMillis()).isGreaterThan(50_000);
            assertThat(registry.get(QuotaViewConsumer.STALENESS_GAUGE).gauge().value()).isGreaterThanOrEqualTo(0);
            assertThat(registry.get(QuotaViewConsumer.RECORDS_COUNTER).tag("outcome", "applied").functionCounter()
                    .count()).isGreaterThanOrEqualTo(1);
            System.out.printf("[bench] quota status produced -> applied in the view: %d us%n", appliedMicros);
        }
    }

    @Test
    void shouldApplyRoutingCommandsToAdmissionAndRouterWhenProduced(SharedKafka kafka) throws Exception {
        // Given a running command consumer
        CommandView view = new CommandView();
        Caller caller = new Caller("k-it-cmd", "acme-it", "research-it", "planner-it", "tier1", null);
        Topics topics = kafka.topics();
        List<Long> applyMicros = new ArrayList<>();
        PolicyRouter router = new PolicyRouter(new ConfigModelDirectory(List.of(
                new ModelInfo("sim-large", "simulated", "large", 128_000, 16_384, 2_500_000L, 10_000_000L),
                new ModelInfo("sim-small", "simulated", "small", 128_000, 16_384, 150_000L, 600_000L))),
                view, new ComplexityScorer(), new PolicyRouter.Settings(List.of(), Map.of(), null),
                System::currentTimeMillis);
        PromptFeatures features = PromptFeatures.sized(100, 0);
        List<String> refusedKeys = java.util.Collections.synchronizedList(new ArrayList<>());
        try (CommandConsumer consumer = new CommandConsumer(consumerConfig(kafka), topics, view,
                (record, error) -> refusedKeys.add(record.key())).start();
             KafkaProducer<String, RoutingCommand> producer = new KafkaProducer<>(kafka.producerProperties(),
                     new StringSerializer(), topics.commands().valueSerde().serializer());
             KafkaProducer<String, byte[]> raw = new KafkaProducer<>(kafka.producerProperties(), new StringSerializer(),
                     new ByteArraySerializer())) {
            assertThat(consumer.awaitCaughtUp(PATIENCE)).isTrue();
            assertThat(router.plan(caller, "sim-large", features).candidates().get(0).model()).isEqualTo("sim-large");
            producer.partitionsFor(Topics.COMMANDS); // metadata first: time the views, not the producer's start
            // other test classes on the shared broker may have left records of other registry scopes
            long rejectedBefore = consumer.rejected();

            // When a poison record and then a DOWNGRADE on the team arrive
            raw.send(new ProducerRecord<>(Topics.COMMANDS, "team:research-it", new byte[] {1, 2, 3})).get();
            applyMicros.add(sendAndAwait(producer, Commands.downgrade(ScopeType.TEAM, "research-it", "sim-small"),
                    () -> view.downgrade(caller, System.currentTimeMillis()).isPresent()));

            // Then the poison is skipped (and handed to the refusals hook), the downgrade is in force and the router
            // serves the cheaper model
            assertThat(consumer.rejected()).isEqualTo(rejectedBefore + 1);
            assertThat(refusedKeys).contains("team:research-it");
            assertThat(view.inForce(caller, System.currentTimeMillis())).get()
                    .extracting(RoutingCommand::getDowngradeTo).isEqualTo("sim-small");
            assertThat(router.plan(caller, "sim-large", features).candidates().get(0).model()).isEqualTo("sim-small");

            // When a BLOCK on the tenant arrives, it beats the narrower DOWNGRADE
            applyMicros.add(sendAndAwait(producer, Commands.block(ScopeType.TENANT, "acme-it", "tenant budget", null, 403),
                    () -> view.block(caller, System.currentTimeMillis()).isPresent()));
            Admission admission = new CommandAwareAdmission(Admission.unlimited(), view);
            assertThat(admission.tryAdmit(caller, "sim-large", 0, System.currentTimeMillis()))
                    .isInstanceOfSatisfying(AdmissionDecision.Refused.class, r -> assertThat(r.httpStatus()).isEqualTo(403));

            // When RESTORE lifts the BLOCK, admission lets the call through again
            applyMicros.add(sendAndAwait(producer, Commands.restore(ScopeType.TENANT, "acme-it"),
                    () -> view.block(caller, System.currentTimeMillis()).isEmpty()));
            assertThat(admission.tryAdmit(caller, "sim-large", 0, System.currentTimeMillis()))
                    .isInstanceOf(AdmissionDecision.Admitted.class);

            // And a series of DOWNGRADE / RESTORE on the agent, each in force before the next is sent
            for (int i = 0; i < 20; i++) {
                boolean downgrade = i % 2 == 0;
                RoutingCommand next = downgrade ? Commands.downgrade(ScopeType.AGENT, "planner-it", "sim-local")
                        : Commands.restore(ScopeType.AGENT, "planner-it");
                applyMicros.add(sendAndAwait(producer, next, () -> downgrade
                        == "sim-local".equals(view.downgrade(caller, System.currentTimeMillis())
                        .map(RoutingCommand::getDowngradeTo).orElse(null))));
            }
            List<Long> sorted = new ArrayList<>(applyMicros);
            sorted.sort(null);
            System.out.printf("[bench] routing command produced -> in force, %d commands: median %d us, max %d us, all %s%n",
                    sorted.size(), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1), applyMicros);
        }
    }

    private static long sendAndAwait(KafkaProducer<String, RoutingCommand> producer, RoutingCommand command,
                                     java.util.concurrent.Callable<Boolean> applied) throws Exception {
        long start = System.nanoTime();
        producer.send(new ProducerRecord<>(Topics.COMMANDS, Keys.scope(command.getScopeType(), command.getScopeId()),
                command)).get();
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(2)).until(applied);
        return (System.nanoTime() - start) / 1_000;
    }

    private static Map<String, Object> consumerConfig(SharedKafka kafka) {
        return Map.of("bootstrap.servers", kafka.bootstrapServers());
    }
}
