package io.tollgate.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schemas.avro.SpendTotal;
import io.tollgate.schemas.avro.UsageEvent;
import org.junit.jupiter.api.Test;

class CachingSchemaRegistryClientTest {

    final InMemorySchemaRegistry backend = new InMemorySchemaRegistry("mock://caching");
    final CountingSchemaRegistryClient counting = new CountingSchemaRegistryClient(backend);
    final CachingSchemaRegistryClient cache = new CachingSchemaRegistryClient(counting);

    @Test
    void shouldRegisterOnceAndKnowTheSchemaWhenRegisteringRepeatedly() {
        int id = cache.register("s-value", UsageEvent.getClassSchema());

        assertThat(cache.register("s-value", UsageEvent.getClassSchema())).isEqualTo(id);
        assertThat(cache.getById(id)).isEqualTo(UsageEvent.getClassSchema());
        assertThat(counting.registers).hasValue(1);
        assertThat(counting.getByIds).hasValue(0);
    }

    @Test
    void shouldRegisterAgainWhenTheSubjectDiffers() {
        cache.register("a-value", UsageEvent.getClassSchema());
        cache.register("b-value", UsageEvent.getClassSchema());

        assertThat(counting.registers).hasValue(2);
        assertThat(backend.subjects()).containsExactlyInAnyOrder("a-value", "b-value");
    }

    @Test
    void shouldFetchOnceWhenGettingTheSameIdRepeatedly() {
        int id = backend.register("s-value", SpendTotal.getClassSchema());

        cache.getById(id);
        cache.getById(id);

        assertThat(counting.getByIds).hasValue(1);
    }

    @Test
    void shouldNotRememberAFailureWhenTheSchemaAppearsLater() {
        // Given a lookup that fails because nothing is registered yet
        assertThatThrownBy(() -> cache.lookup("s-value", UsageEvent.getClassSchema()))
                .isInstanceOf(SchemaRegistryException.class);

        // When the schema is registered behind the cache's back
        int id = backend.register("s-value", UsageEvent.getClassSchema());

        // Then the next lookup asks again and succeeds
        assertThat(cache.lookup("s-value", UsageEvent.getClassSchema())).isEqualTo(id);
        assertThat(counting.lookups).hasValue(2);
    }

    @Test
    void shouldAlwaysAskTheRegistryWhenCheckingCompatibility() {
        cache.isCompatible("s-value", UsageEvent.getClassSchema());
        cache.isCompatible("s-value", UsageEvent.getClassSchema());

        assertThat(counting.compatibilityChecks).hasValue(2);
    }
}
