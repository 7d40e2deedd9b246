package io.tollgate.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schemas.avro.UsageEvent;
import io.tollgate.schemas.serde.AvroSerdeConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchemaRegistriesTest {

    @Test
    void shouldShareOneRegistryPerScopeWhenTheSameMockUrlIsUsed() {
        SchemaRegistryClient a = SchemaRegistries.forUrl("mock://shared-scope");
        int id = a.register("s-value", UsageEvent.getClassSchema());

        assertThat(SchemaRegistries.forUrl(" mock://shared-scope ").getById(id)).isEqualTo(UsageEvent.getClassSchema());
        assertThat(SchemaRegistries.forUrl("mock://another-scope")).isNotSameAs(a);
        SchemaRegistries.dropScope("shared-scope");
        assertThat(SchemaRegistries.inMemory("shared-scope").subjects()).isEmpty();
        SchemaRegistries.dropScope("shared-scope");
        SchemaRegistries.dropScope("another-scope");
    }

    @Test
    void shouldCacheHttpClientsWhenTheUrlIsHttp() {
        SchemaRegistryClient client = SchemaRegistries.forUrl("http://127.0.0.1:1",
                Map.of(AvroSerdeConfig.BASIC_AUTH_USER_INFO, "u:p", AvroSerdeConfig.REQUEST_TIMEOUT_MS, "500"));

        assertThat(client).isInstanceOf(CachingSchemaRegistryClient.class);
        assertThat(client.url()).isEqualTo("http://127.0.0.1:1");
        assertThat(SchemaRegistries.forUrl("http://127.0.0.1:1",
                Map.of(AvroSerdeConfig.BASIC_AUTH_USER_INFO, "u:p", AvroSerdeConfig.REQUEST_TIMEOUT_MS, "500"))).isSameAs(client);
    }

    @Test
    void shouldExplainTheAcceptedUrlsWhenTheUrlIsMissingOrUnsupported() {
        assertThatThrownBy(() -> SchemaRegistries.fromConfig(Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(AvroSerdeConfig.SCHEMA_REGISTRY_URL);
        assertThatThrownBy(() -> SchemaRegistries.forUrl("ftp://registry"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ftp://registry").hasMessageContaining("mock://");
        assertThatThrownBy(() -> SchemaRegistries.forUrl("mock://"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names no scope");
    }
}
