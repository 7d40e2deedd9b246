package io.tollgate.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schemas.registry.SchemaRegistryException.Reason;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class InMemorySchemaRegistryTest {

    static final Schema V1 = record("{\"name\":\"a\",\"type\":\"string\"}");
    static final Schema V2 = record("{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"b\",\"type\":\"int\",\"default\":0}");
    static final Schema V3 = record("{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"b\",\"type\":\"int\",\"default\":0},"
            + "{\"name\":\"c\",\"type\":\"int\"}");

    static Schema record(String fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"t\",\"fields\":[" + fields + "]}");
    }

    final InMemorySchemaRegistry registry = new InMemorySchemaRegistry("mock://unit");

    @Test
    void shouldKeepTheIdWhenTheSameSchemaIsRegisteredAgainOrUnderAnotherSubject() {
        int id = registry.register("s-value", V1);

        assertThat(registry.register("s-value", V1)).isEqualTo(id);
        assertThat(registry.register("other-value", V1)).isEqualTo(id);
        assertThat(registry.versions("s-value")).containsExactly(1);
    }

    @Test
    void shouldAddAVersionWhenTheNewSchemaIsBackwardCompatible() {
        int first = registry.register("s-value", V1);
        int second = registry.register("s-value", V2);

        assertThat(second).isNotEqualTo(first);
        assertThat(registry.versions("s-value")).containsExactly(1, 2);
        assertThat(registry.idOf("s-value", -1)).contains(second);
        assertThat(registry.idOf("s-value", 1)).contains(first);
    }

    @Test
    void shouldRefuseAFieldWithoutDefaultWhenCompatibilityIsBackward() {
        registry.register("s-value", V2);

        assertThatThrownBy(() -> registry.register("s-value", V3))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INCOMPATIBLE))
                .hasMessageContaining("s-value").hasMessageContaining("BACKWARD").hasMessageContaining("mock://unit");
    }

    @Test
    void shouldAcceptAnythingWhenCompatibilityIsNone() {
        registry.setCompatibility("s-value", "none");
        registry.register("s-value", V2);

        registry.register("s-value", V3);

        assertThat(registry.versions("s-value")).containsExactly(1, 2);
    }

    @Test
    void shouldCheckEveryVersionWhenCompatibilityIsTransitive() {
        // Given v1 = {a}, v2 = {a, b default 0}
        registry.register("s-value", V1);
        registry.register("s-value", V2);
        // a reader that needs b without default cannot read v1 but can read v2
        Schema needsB = record("{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"b\",\"type\":\"int\"}");

        registry.setCompatibility("s-value", "BACKWARD");
        assertThat(registry.isCompatible("s-value", needsB)).isTrue();
        registry.setCompatibility("s-value", "BACKWARD_TRANSITIVE");
        assertThat(registry.isCompatible("s-value", needsB)).isFalse();
    }

    @Test
    void shouldCheckTheOtherDirectionWhenCompatibilityIsForward() {
        registry.setCompatibility(null, "FORWARD");
        registry.register("s-value", V2);

        // old readers (V2) can read data written with V3: c is ignored
        assertThat(registry.isCompatible("s-value", V3)).isTrue();
        // old readers (V2) cannot read data of a schema lacking a
        assertThat(registry.isCompatible("s-value", record("{\"name\":\"z\",\"type\":\"int\",\"default\":0}"))).isFalse();
    }

    @Test
    void shouldNameTheIdOrSubjectWhenSomethingIsNotFound() {
        assertThatThrownBy(() -> registry.getById(42))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND))
                .hasMessageContaining("schema id 42").hasMessageContaining("mock://unit");
        assertThatThrownBy(() -> registry.lookup("s-value", V1))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND))
                .hasMessageContaining("'s-value'");
    }

    @Test
    void shouldListTheLevelsWhenTheCompatibilityLevelIsUnknown() {
        assertThatThrownBy(() -> registry.setCompatibility("s-value", "SIDEWAYS"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SIDEWAYS").hasMessageContaining("BACKWARD");
    }
}
