package io.tollgate.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schemas.Topics.Cleanup;
import io.tollgate.schemas.Topics.TopicSpec;
import io.tollgate.schemas.serde.AvroSerdeConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void shouldListEveryTopicOnceWhenAskedForSpecs() {
        assertThat(Topics.specs()).extracting(TopicSpec::name).containsExactly(
                Topics.USAGE, Topics.QUOTA_STATUS, Topics.SPEND, Topics.MODEL_HEALTH, Topics.POLICIES, Topics.ALERTS,
                Topics.COMMANDS, Topics.DEAD_LETTER).doesNotHaveDuplicates();
        assertThat(Topics.specs()).extracting(TopicSpec::name).allSatisfy(name -> assertThat(name).matches("tollgate\\.[a-z-]+\\.v\\d+"));
    }

    @Test
    void shouldCompactStateTopicsAndRetainEventTopicsWhenGivingConfigs() {
        Map<String, TopicSpec> specs = Topics.specs().stream()
                .collect(java.util.stream.Collectors.toMap(TopicSpec::name, s -> s));

        assertThat(specs.get(Topics.POLICIES).configs()).containsExactly(Map.entry("cleanup.policy", "compact"));
        assertThat(specs.get(Topics.USAGE).configs())
                .containsEntry("cleanup.policy", "delete").containsEntry("retention.ms", Long.toString(7L * 24 * 3600 * 1000));
        assertThat(specs.values()).filteredOn(s -> s.cleanup() == Cleanup.DELETE).allSatisfy(s -> assertThat(s.retention()).isNotNull());
    }

    @Test
    void shouldGiveStringKeysAndByteDeadLettersWhenBuildingTopics() {
        Topics topics = Topics.forRegistry("mock://topics-test");

        assertThat(topics.usage().name()).isEqualTo(Topics.USAGE);
        assertThat(topics.usage().keySerde().serializer().serialize("t", "k-1")).containsExactly('k', '-', '1');
        assertThat(topics.deadLetter().valueSerde().serializer().serialize("t", new byte[] {1, 2})).containsExactly(1, 2);
        assertThat(topics.serdeConfig().get(AvroSerdeConfig.SCHEMA_REGISTRY_URL)).isEqualTo("mock://topics-test");
    }

    @Test
    void shouldNameTheMissingKeyWhenSerdeConfigLacksTheRegistry() {
        assertThatThrownBy(() -> Topics.withSerdeConfig(Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(AvroSerdeConfig.SCHEMA_REGISTRY_URL);
    }
}
