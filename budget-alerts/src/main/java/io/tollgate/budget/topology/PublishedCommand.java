package io.tollgate.budget.topology;

import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.CommandAction;
import io.tollgate.schemas.avro.RoutingCommand;

/**
 * The routing command last published for a scope (store {@link BudgetTopology#COMMAND_STORE}, key
 * {@code team:acme}): what the gateways are obeying now. {@code sequence} numbers the commands of a
 * scope, which makes command ids unique and stable across replays.
 */
public record PublishedCommand(String scope, long sequence, String commandId, CommandAction action,
                               String downgradeTo, Long until, String reason, String source, long issuedAt,
                               int blockStatus) {

    /** DOWNGRADE or BLOCK that has not lapsed by {@code now}. */
    public boolean activeAt(long now) {
        return action != CommandAction.RESTORE && (until == null || until > now);
    }

    RoutingCommand toAvro() {
        Keys.Scope parsed = Keys.parseScope(scope);
        return RoutingCommand.newBuilder()
                .setCommandId(commandId).setAction(action)
                .setScopeType(parsed.type()).setScopeId(parsed.id())
                .setDowngradeTo(downgradeTo).setReason(reason).setUntil(until)
                .setBlockStatus(blockStatus).setIssuedAt(issuedAt).setSource(source)
                .build();
    }
}
