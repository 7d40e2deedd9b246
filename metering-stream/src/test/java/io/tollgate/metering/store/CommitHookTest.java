package io.tollgate.metering.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * {@link CommitHook} in a TopologyTestDriver, which commits after every piped record: a splitter forwards each
 * number of a record to a summer and to an echo; the summer only adds them up, and forwards the sum from its
 * commit hook. Records forwarded by the hook as any other node than the summer would reach the echo's topic or fail.
 */
class CommitHookTest {

    private static final String HOOK = "sums-commit";
    private static final Instant WALL_CLOCK = Instant.parse("2026-11-22T12:00:00Z");

    @Test
    void shouldRunTheRegisteredActionAtEachCommitForwardingAsItsProcessor() {
        // Given the splitter, the summer with its commit hook, and the echo
        try (TopologyTestDriver driver = new TopologyTestDriver(topology(), properties(), WALL_CLOCK)) {
            TestInputTopic<String, String> in = driver.createInputTopic("numbers", new StringSerializer(),
                    new StringSerializer());
            TestOutputTopic<String, Long> sums = driver.createOutputTopic("sums", new StringDeserializer(),
                    new LongDeserializer());
            TestOutputTopic<String, Long> echoes = driver.createOutputTopic("echoes", new StringDeserializer(),
                    new LongDeserializer());

            // When three records are piped, the wall clock moving on before the third, each followed by a commit
            in.pipeInput("a", "1,2,4", WALL_CLOCK.minusSeconds(60));
            List<TestRecord<String, Long>> first = sums.readRecordsToList();
            in.pipeInput("b", "8", WALL_CLOCK.minusSeconds(50));
            List<TestRecord<String, Long>> second = sums.readRecordsToList();
            driver.advanceWallClockTime(Duration.ofSeconds(5));
            in.pipeInput("c", "16,32", WALL_CLOCK.minusSeconds(40));
            List<TestRecord<String, Long>> third = sums.readRecordsToList();

            // Then each commit forwarded one sum of the numbers processed since the previous one, stamped with the
            // wall clock the action got
            assertThat(first).containsExactly(new TestRecord<>("sum", 7L, WALL_CLOCK));
            assertThat(second).containsExactly(new TestRecord<>("sum", 8L, WALL_CLOCK));
            assertThat(third).containsExactly(new TestRecord<>("sum", 48L, WALL_CLOCK.plusSeconds(5)));
            // and the echo got every number as it came, and no sum
            assertThat(echoes.readValuesToList()).containsExactly(1L, 2L, 4L, 8L, 16L, 32L);
        }
    }

    @Test
    void shouldRefuseToRegisterWhenTheStoreIsNotACommitHook() {
        // Given a processor that registers its action on a key-value store
        Topology topology = new Topology();
        topology.addSource("in", new StringDeserializer(), new StringDeserializer(), "numbers");
        topology.addProcessor("wrong", () -> new ContextualProcessor<String, String, String, String>() {
            @Override
            public void init(ProcessorContext<String, String> context) {
                super.init(context);
                CommitHook.register(context, "plain-store", now -> { });
            }

            @Override
            public void process(Record<String, String> record) {
            }
        }, "in");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("plain-store"),
                Serdes.String(), Serdes.String()), "wrong");

        // When the processor is initialised, then it fails naming the store
        assertThatThrownBy(() -> new TopologyTestDriver(topology, properties(), WALL_CLOCK).close())
                .rootCause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("store 'plain-store'")
                .hasMessageContaining("not a commit hook; add it with CommitHook.builder");
    }

    private static Topology topology() {
        Topology topology = new Topology();
        topology.addSource("in", new StringDeserializer(), new StringDeserializer(), "numbers");
        topology.addProcessor("splitter", () -> new ContextualProcessor<String, String, String, Long>() {
            @Override
            public void process(Record<String, String> record) {
                for (String number : record.value().split(",")) {
                    context().forward(record.withValue(Long.parseLong(number)));
                }
            }
        }, "in");
        topology.addProcessor("summer", () -> new ContextualProcessor<String, Long, String, Long>() {
            private long sum;
            private int count;

            @Override
            public void init(ProcessorContext<String, Long> context) {
                super.init(context);
                sum = 0;
                count = 0;
                CommitHook.register(context, HOOK, now -> {
                    if (count > 0) {
                        context().forward(new Record<>("sum", sum, now));
                    }
                    sum = 0;
                    count = 0;
                });
            }

            @Override
            public void process(Record<String, Long> record) {
                sum += record.value();
                count++;
            }
        }, "splitter");
        // the echo comes after the summer, so it is the last node a record passes through
        topology.addProcessor("echo", () -> new ContextualProcessor<String, Long, String, Long>() {
            @Override
            public void process(Record<String, Long> record) {
                context().forward(record);
            }
        }, "splitter");
        topology.addStateStore(CommitHook.builder(HOOK), "summer");
        topology.addSink("sums-sink", "sums", new StringSerializer(), new LongSerializer(), "summer");
        topology.addSink("echoes-sink", "echoes", new StringSerializer(), new LongSerializer(), "echo");
        return topology;
    }

    private static Properties properties() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "commit-hook-test");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        return props;
    }
}
