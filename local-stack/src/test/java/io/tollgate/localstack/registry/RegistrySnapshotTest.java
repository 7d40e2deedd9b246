package io.tollgate.localstack.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistrySnapshotTest {

    private static final Schema A = record("A", "{\"name\":\"x\",\"type\":\"long\"}");
    private static final Schema A2 = record("A", "{\"name\":\"x\",\"type\":\"long\"},{\"name\":\"y\",\"type\":\"long\",\"default\":0}");
    private static final Schema B = record("B", "{\"name\":\"z\",\"type\":\"string\"}");
    private static final Schema INCOMPATIBLE = record("A", "{\"name\":\"x\",\"type\":\"string\"}");

    @Test
    void shouldRestoreEveryIdVersionAndLevelWhenReplayedIntoAnEmptyRegistry(@TempDir Path dir) {
        // Given ids that do not follow version order: subject "late" gets B (id 3) first, then A (id 1) again
        InMemorySchemaRegistry original = new InMemorySchemaRegistry("mock://original");
        original.register("a-value", A);                 // id 1
        original.register("a-value", A2);                // id 2
        original.register("b-value", B);                 // id 3
        original.setCompatibility("late", "NONE");
        original.register("late", B);                    // id 3 again, version 1
        original.register("late", INCOMPATIBLE);         // id 4, allowed under NONE
        original.register("late", A);                    // id 1, version 3
        original.setCompatibility(null, "FULL");
        Path file = dir.resolve("registry").resolve("schemas.json");

        // When
        RegistrySnapshot.save(original, file);
        InMemorySchemaRegistry restored = new InMemorySchemaRegistry("mock://restored");
        int versions = RegistrySnapshot.restore(restored, file);

        // Then
        assertThat(versions).isEqualTo(6);
        for (String subject : original.subjects()) {
            assertThat(restored.versions(subject)).isEqualTo(original.versions(subject));
            for (int version : original.versions(subject)) {
                assertThat(restored.idOf(subject, version)).as(subject + " v" + version).isEqualTo(original.idOf(subject, version));
            }
            assertThat(restored.compatibility(subject)).isEqualTo(original.compatibility(subject));
        }
        assertThat(restored.getById(4)).isEqualTo(INCOMPATIBLE);
        assertThat(restored.compatibility(null)).isEqualTo("FULL");
        assertThat(file.resolveSibling("schemas.json.tmp")).doesNotExist();
    }

    @Test
    void shouldRefuseToRestoreIntoARegistryThatAlreadyHasSchemas(@TempDir Path dir) {
        InMemorySchemaRegistry original = new InMemorySchemaRegistry("mock://original");
        original.register("a-value", A);
        Path file = dir.resolve("schemas.json");
        RegistrySnapshot.save(original, file);

        assertThatThrownBy(() -> RegistrySnapshot.restore(original, file))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already has subjects");
    }

    @Test
    void shouldExplainWhenTheSnapshotHasGapsInItsIds(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("schemas.json");
        Files.writeString(file, """
                {"defaultCompatibility":"BACKWARD","subjects":{"a-value":{"compatibility":"BACKWARD",
                 "versions":[{"id":5,"schema":%s}]}}}""".formatted(new com.fasterxml.jackson.databind.ObjectMapper()
                .writeValueAsString(A.toString())));

        assertThatThrownBy(() -> RegistrySnapshot.restore(new InMemorySchemaRegistry("mock://gaps"), file))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("gaps").hasMessageContaining("--fresh");
    }

    private static Schema record(String name, String fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"" + name + "\",\"namespace\":\"t\",\"fields\":[" + fields + "]}");
    }
}
