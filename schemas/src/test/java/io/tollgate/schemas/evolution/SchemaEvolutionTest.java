package io.tollgate.schemas.evolution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Guards the evolution rule of schemas/README.md: each schema under {@code src/main/avro} stays
 * backward compatible with its last released copy under {@code src/test/resources/released}.
 */
class SchemaEvolutionTest {

    static final Path CURRENT = Path.of("src/main/avro");
    static final Path RELEASED = Path.of("src/test/resources/released");

    static List<String> currentFiles() {
        return List.copyOf(SchemaEvolutionRule.parseDirectory(CURRENT).keySet());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("currentFiles")
    void shouldReadReleasedDataAndDefaultEveryNewFieldWhenComparedWithTheReleasedCopy(String file) {
        // Given
        Map<String, Schema> released = SchemaEvolutionRule.parseDirectory(RELEASED);
        Assumptions.assumeTrue(released.containsKey(file), file + " is new since the last release: nothing to compare");
        Schema current = SchemaEvolutionRule.parseDirectory(CURRENT).get(file);

        // When
        List<String> violations = SchemaEvolutionRule.violations(released.get(file), current);

        // Then
        assertThat(violations)
                .as("%s breaks the evolution rule (see schemas/README.md): add defaults, or bump the topic to .v2", file)
                .isEmpty();
    }

    @Test
    void shouldKeepEveryReleasedSchemaWhenSchemasChange() {
        // a released schema file that disappeared means its topic lost its contract
        assertThat(SchemaEvolutionRule.parseDirectory(CURRENT).keySet())
                .containsAll(SchemaEvolutionRule.parseDirectory(RELEASED).keySet());
        assertThat(Files.exists(RELEASED.resolve("VERSION"))).isTrue();
    }

    // The rule itself, on small schemas, so the guard is known to catch what it claims to.

    static Schema record(String fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"t\",\"fields\":[" + fields + "]}");
    }

    static final String A = "{\"name\":\"a\",\"type\":\"string\"}";

    @Test
    void shouldAcceptAFieldWhenItIsAddedWithADefault() {
        assertThat(SchemaEvolutionRule.violations(record(A), record(A + ",{\"name\":\"b\",\"type\":\"int\",\"default\":0}")))
                .isEmpty();
    }

    @Test
    void shouldRejectAFieldWhenItIsAddedWithoutADefault() {
        assertThat(SchemaEvolutionRule.violations(record(A), record(A + ",{\"name\":\"b\",\"type\":\"int\"}")))
                .anySatisfy(v -> assertThat(v).contains("cannot read data written with the released schema"))
                .anySatisfy(v -> assertThat(v).contains("t.R.b was added without a default"));
    }

    @Test
    void shouldRejectARenameWhenTheOldFieldHadNoDefault() {
        assertThat(SchemaEvolutionRule.violations(record(A), record("{\"name\":\"z\",\"type\":\"string\",\"default\":\"\"}")))
                .anySatisfy(v -> assertThat(v).contains("t.R.a was removed or renamed"));
    }

    @Test
    void shouldAcceptARenameWhenTheNewFieldCarriesTheOldNameAsAlias() {
        assertThat(SchemaEvolutionRule.violations(record(A),
                record("{\"name\":\"z\",\"type\":\"string\",\"aliases\":[\"a\"]}"))).isEmpty();
    }

    @Test
    void shouldRejectATypeChangeWhenTheNewTypeCannotReadTheOld() {
        assertThat(SchemaEvolutionRule.violations(record(A), record("{\"name\":\"a\",\"type\":\"int\"}")))
                .anySatisfy(v -> assertThat(v).contains("TYPE_MISMATCH"));
    }

    @Test
    void shouldCheckNestedRecordsWhenTheyAreUnionBranches() {
        Schema released = record("{\"name\":\"p\",\"type\":[{\"type\":\"record\",\"name\":\"N\",\"fields\":[" + A + "]}]}");
        Schema current = record("{\"name\":\"p\",\"type\":[{\"type\":\"record\",\"name\":\"N\",\"fields\":[" + A
                + ",{\"name\":\"n\",\"type\":\"long\"}]}]}");

        assertThat(SchemaEvolutionRule.violations(released, current)).anySatisfy(v -> assertThat(v).contains("t.N.n was added without a default"));
    }
}
