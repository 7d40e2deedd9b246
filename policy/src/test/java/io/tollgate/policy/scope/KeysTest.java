package io.tollgate.policy.scope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schemas.avro.ScopeType;
import org.junit.jupiter.api.Test;

class KeysTest {

    @Test
    void shouldSpellKeysLikeTheTopicDocumentWhenBuilding() {
        assertThat(Keys.quota("k-1", "gpt-4o")).isEqualTo("k-1|gpt-4o");
        assertThat(Keys.quota("k-1", Keys.ALL_MODELS)).isEqualTo("k-1|*");
        assertThat(Keys.scope(ScopeType.API_KEY, "k-1")).isEqualTo("api_key:k-1");
        assertThat(Keys.spend(ScopeType.TEAM, "acme", "2026-11-21")).isEqualTo("team:acme@2026-11-21");
    }

    @Test
    void shouldRoundTripAScopeWhenParsingWhatWasBuilt() {
        Keys.Scope scope = Keys.parseScope("conversation:c:1");

        assertThat(scope).isEqualTo(new Keys.Scope(ScopeType.CONVERSATION, "c:1"));
        assertThat(scope.key()).isEqualTo("conversation:c:1");
    }

    @Test
    void shouldListTheScopesWhenTheKeyIsMalformed() {
        assertThatThrownBy(() -> Keys.parseScope("team")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'team'").hasMessageContaining("api_key");
        assertThatThrownBy(() -> Keys.parseScope("group:x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown scope 'group'");
        assertThatThrownBy(() -> Keys.parseScope(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
