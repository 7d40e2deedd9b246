package io.tollgate.metering.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

class MeteringTopologyTest {

    @Test
    void shouldReadOneTopicInEverySubTopologySoThatNoTaskHasAPartitionToWaitFor() {
        // Given the whole metering topology
        try (TopologyFixture fx = new TopologyFixture()) {
            TopologyDescription description = fx.topology.describe();

            // When / Then every sub-topology has one source topic: MeteringConfig disables max.task.idle.ms, which is
            // only right while no task joins or merges two inputs
            assertThat(description.subtopologies()).hasSizeGreaterThanOrEqualTo(3);
            for (TopologyDescription.Subtopology sub : description.subtopologies()) {
                Set<String> topics = sub.nodes().stream()
                        .filter(node -> node instanceof TopologyDescription.Source)
                        .flatMap(node -> ((TopologyDescription.Source) node).topicSet().stream())
                        .collect(Collectors.toSet());
                assertThat(topics).as("source topics of sub-topology %d", sub.id()).hasSize(1);
            }
        }
    }
}
