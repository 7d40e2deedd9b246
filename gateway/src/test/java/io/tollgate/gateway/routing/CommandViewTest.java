package io.tollgate.gateway.routing;

import static io.tollgate.gateway.routing.Commands.apply;
import static io.tollgate.gateway.routing.Commands.block;
import static io.tollgate.gateway.routing.Commands.downgrade;
import static io.tollgate.gateway.routing.Commands.restore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schemas.avro.CommandAction;
import io.tollgate.schemas.avro.RoutingCommand;
import io.tollgate.schemas.avro.ScopeType;
import org.junit.jupiter.api.Test;

class CommandViewTest {

    private static final Caller CALLER = new Caller("k-planner", "acme", "research", "planner", "tier1", "conv-7");

    private final CommandView view = new CommandView();

    @Test
    void shouldPreferBlockWhenDowngradeIsOnNarrowerScope() {
        // Given a DOWNGRADE on the conversation and a BLOCK on the tenant
        apply(view, downgrade(ScopeType.CONVERSATION, "conv-7", "small"));
        apply(view, block(ScopeType.TENANT, "acme", "tenant budget", null, 403));

        // Then BLOCK wins
        assertThat(view.inForce(CALLER, 0)).get().extracting(RoutingCommand::getAction).isEqualTo(CommandAction.BLOCK);
        // and the downgrade is still known to the router
        assertThat(view.downgrade(CALLER, 0)).get().extracting(RoutingCommand::getDowngradeTo).isEqualTo("small");
    }

    @Test
    void shouldPreferNarrowerScopeWhenActionsAreTheSame() {
        apply(view, downgrade(ScopeType.TENANT, "acme", "medium"));
        apply(view, downgrade(ScopeType.TEAM, "research", "small"));
        apply(view, downgrade(ScopeType.AGENT, "planner", "sim-small"));

        assertThat(view.downgrade(CALLER, 0)).get().extracting(RoutingCommand::getDowngradeTo).isEqualTo("sim-small");

        apply(view, downgrade(ScopeType.API_KEY, "k-planner", "sim-local"));
        assertThat(view.downgrade(CALLER, 0)).get().extracting(RoutingCommand::getDowngradeTo).isEqualTo("sim-local");

        apply(view, downgrade(ScopeType.CONVERSATION, "conv-7", "tiny"));
        assertThat(view.downgrade(CALLER, 0)).get().extracting(RoutingCommand::getDowngradeTo).isEqualTo("tiny");
    }

    @Test
    void shouldLiftCommandWhenRestoreArrives() {
        apply(view, block(ScopeType.TEAM, "research", "over budget", null, 403));

        apply(view, restore(ScopeType.TEAM, "research"));

        assertThat(view.inForce(CALLER, 0)).isEmpty();
        assertThat(view.size()).isZero();
    }

    @Test
    void shouldLetCommandLapseWhenUntilPasses() {
        apply(view, block(ScopeType.TEAM, "research", "daily budget", 1_000L, 429));

        assertThat(view.block(CALLER, 999)).isPresent();
        assertThat(view.block(CALLER, 1_000)).isEmpty();
    }

    @Test
    void shouldFallBackToWiderCommandWhenNarrowerLapsed() {
        apply(view, downgrade(ScopeType.TENANT, "acme", "medium"));
        apply(view, Commands.command(CommandAction.DOWNGRADE, ScopeType.AGENT, "planner", "small", "r", 10L, 403));

        assertThat(view.downgrade(CALLER, 11)).get().extracting(RoutingCommand::getDowngradeTo).isEqualTo("medium");
    }

    @Test
    void shouldIgnoreScopesOfOtherCallersWhenLookingUp() {
        apply(view, block(ScopeType.TEAM, "platform", "x", null, 403));
        apply(view, block(ScopeType.CONVERSATION, "conv-8", "x", null, 403));

        assertThat(view.inForce(CALLER, 0)).isEmpty();
        assertThat(view.inForce(new Caller("k", "acme", "platform", "coder", "tier2", null), 0)).isPresent();
    }

    @Test
    void shouldReplaceCommandWhenNewerArrivesForSameScope() {
        apply(view, block(ScopeType.TEAM, "research", "x", null, 403));
        apply(view, downgrade(ScopeType.TEAM, "research", "small"));

        assertThat(view.inForce(CALLER, 0)).get().extracting(RoutingCommand::getAction).isEqualTo(CommandAction.DOWNGRADE);
    }

    @Test
    void shouldRejectCommandWhenKeyNamesAnotherScope() {
        assertThatThrownBy(() -> view.apply("team:platform", block(ScopeType.TEAM, "research", "x", null, 403)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'team:platform'").hasMessageContaining("'team:research'");
    }

    @Test
    void shouldRejectDowngradeWhenItNamesNoTarget() {
        assertThatThrownBy(() -> apply(view, downgrade(ScopeType.TEAM, "research", " ")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("downgradeTo");
    }

    @Test
    void shouldRemoveCommandWhenTombstoneArrives() {
        apply(view, block(ScopeType.TEAM, "research", "x", null, 403));

        view.apply("team:research", null);

        assertThat(view.inForce(CALLER, 0)).isEmpty();
    }
}
