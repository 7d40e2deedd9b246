package io.tollgate.gateway.routing;

import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.CommandAction;
import io.tollgate.schemas.avro.RoutingCommand;
import io.tollgate.schemas.avro.ScopeType;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gateway's in-memory view of {@code tollgate.commands.v1}: the latest command per scope
 * ({@code team:acme}) is in force; RESTORE (or a tombstone) lifts it; a command whose
 * {@code until} has passed has lapsed. Fed by {@link CommandConsumer}, or {@link #apply} in tests.
 *
 * <p>Precedence for a call, over its scopes tenant, team, agent, api_key and conversation: BLOCK
 * beats DOWNGRADE; between commands of the same action, the narrower scope wins
 * (conversation &gt; api_key &gt; agent &gt; team &gt; tenant).
 */
public final class CommandView {

    /** Narrowest first: the order in which a call's scopes are consulted. */
    private static final ScopeType[] NARROWEST_FIRST = {
            ScopeType.CONVERSATION, ScopeType.API_KEY, ScopeType.AGENT, ScopeType.TEAM, ScopeType.TENANT};

    // one map of scope id -> command per scope type (by ordinal): lookups build no key strings
    @SuppressWarnings("unchecked")
    private final ConcurrentHashMap<String, RoutingCommand>[] inForce =
            new ConcurrentHashMap[ScopeType.values().length];

    public CommandView() {
        for (int i = 0; i < inForce.length; i++) {
            inForce[i] = new ConcurrentHashMap<>();
        }
    }

    /**
     * Applies one record. Throws when the record key is not the scope the command names, so a
     * mis-keyed command never blocks the wrong scope.
     */
    public void apply(String scopeKey, RoutingCommand command) {
        if (scopeKey == null) {
            throw new IllegalArgumentException("routing command without a key; expected a scope such as 'team:acme'");
        }
        if (command == null) {
            Keys.Scope scope = Keys.parseScope(scopeKey);
            inForce[scope.type().ordinal()].remove(scope.id());
            return;
        }
        String expected = Keys.scope(command.getScopeType(), command.getScopeId());
        if (!expected.equals(scopeKey)) {
            throw new IllegalArgumentException("routing command " + command.getCommandId() + " is keyed '" + scopeKey
                    + "' but names scope '" + expected + "'");
        }
        if (command.getAction() == CommandAction.DOWNGRADE
                && (command.getDowngradeTo() == null || command.getDowngradeTo().isBlank())) {
            throw new IllegalArgumentException("DOWNGRADE command " + command.getCommandId() + " for " + scopeKey
                    + " has no downgradeTo; expected a model or tier name");
        }
        Map<String, RoutingCommand> byId = inForce[command.getScopeType().ordinal()];
        if (command.getAction() == CommandAction.RESTORE) {
            byId.remove(command.getScopeId());
        } else {
            byId.put(command.getScopeId(), command);
        }
    }

    /** The command in force for the call (BLOCK before DOWNGRADE, narrowest scope first), if any. */
    public Optional<RoutingCommand> inForce(Caller caller, long nowMillis) {
        Optional<RoutingCommand> block = find(caller, CommandAction.BLOCK, nowMillis);
        return block.isPresent() ? block : find(caller, CommandAction.DOWNGRADE, nowMillis);
    }

    /** The BLOCK in force for the call, narrowest scope first. */
    public Optional<RoutingCommand> block(Caller caller, long nowMillis) {
        return find(caller, CommandAction.BLOCK, nowMillis);
    }

    /** The DOWNGRADE in force for the call, narrowest scope first (whether or not a BLOCK also is). */
    public Optional<RoutingCommand> downgrade(Caller caller, long nowMillis) {
        return find(caller, CommandAction.DOWNGRADE, nowMillis);
    }

    /** The command in force for one scope key, if any and not lapsed. */
    public Optional<RoutingCommand> forScope(String scopeKey, long nowMillis) {
        Keys.Scope scope = Keys.parseScope(scopeKey);
        RoutingCommand command = inForce[scope.type().ordinal()].get(scope.id());
        return command != null && !lapsed(command, nowMillis) ? Optional.of(command) : Optional.empty();
    }

    public int size() {
        int size = 0;
        for (Map<String, RoutingCommand> byId : inForce) {
            size += byId.size();
        }
        return size;
    }

    private Optional<RoutingCommand> find(Caller caller, CommandAction action, long now) {
        for (ScopeType type : NARROWEST_FIRST) {
            String id = idOf(caller, type);
            if (id == null || id.isEmpty()) {
                continue;
            }
            RoutingCommand command = inForce[type.ordinal()].get(id);
            if (command != null && command.getAction() == action && !lapsed(command, now)) {
                return Optional.of(command);
            }
        }
        return Optional.empty();
    }

    private static boolean lapsed(RoutingCommand command, long now) {
        Long until = command.getUntil();
        return until != null && now >= until;
    }

    private static String idOf(Caller caller, ScopeType type) {
        return switch (type) {
            case TENANT -> caller.tenant();
            case TEAM -> caller.team();
            case AGENT -> caller.agent();
            case API_KEY -> caller.keyId();
            case CONVERSATION -> caller.conversationId();
            case SUB_AGENT -> caller.subAgentId();
        };
    }
}
