package io.tollgate.gateway.routing;

import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.CommandAction;
import io.tollgate.schemas.avro.RoutingCommand;
import io.tollgate.schemas.avro.ScopeType;

/** Routing commands for tests. */
public final class Commands {

    private Commands() {
    }

    public static RoutingCommand block(ScopeType type, String id, String reason, Long until, int status) {
        return command(CommandAction.BLOCK, type, id, null, reason, until, status);
    }

    public static RoutingCommand downgrade(ScopeType type, String id, String to) {
        return command(CommandAction.DOWNGRADE, type, id, to, "budget reached", null, 403);
    }

    public static RoutingCommand restore(ScopeType type, String id) {
        return command(CommandAction.RESTORE, type, id, null, "restored", null, 403);
    }

    public static RoutingCommand command(CommandAction action, ScopeType type, String id, String to, String reason,
                                         Long until, int status) {
        return RoutingCommand.newBuilder().setCommandId(action + "-" + type + "-" + id).setAction(action)
                .setScopeType(type).setScopeId(id).setDowngradeTo(to).setReason(reason).setUntil(until)
                .setBlockStatus(status).setIssuedAt(1).setSource("test").build();
    }

    public static void apply(CommandView view, RoutingCommand command) {
        view.apply(Keys.scope(command.getScopeType(), command.getScopeId()), command);
    }
}
