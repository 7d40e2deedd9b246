package io.tollgate.gateway.admission;

import io.tollgate.gateway.routing.Caller;
import io.tollgate.gateway.routing.CommandView;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.RoutingCommand;
import java.util.Objects;
import java.util.Optional;

/**
 * Admission that obeys BLOCK commands before asking the quota: a call in a blocked scope is
 * {@link AdmissionDecision.Refused} with the command's status (403, or 429 when the command says
 * so), its reason, and {@code Retry-After} until the command lapses (0 when it lasts until RESTORE).
 * DOWNGRADE is the router's business ({@code PolicyRouter}).
 */
public final class CommandAwareAdmission implements Admission {

    private final Admission delegate;
    private final CommandView commands;

    public CommandAwareAdmission(Admission delegate, CommandView commands) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.commands = Objects.requireNonNull(commands, "commands");
    }

    @Override
    public AdmissionDecision tryAdmit(Caller caller, String model, long reservedTokens, long nowMillis) {
        Optional<RoutingCommand> block = commands.block(caller, nowMillis);
        if (block.isPresent()) {
            return refusal(block.get(), nowMillis);
        }
        return delegate.tryAdmit(caller, model, reservedTokens, nowMillis);
    }

    @Override
    public void settle(AdmissionDecision.Reservation reservation, long actualTokens, long nowMillis) {
        delegate.settle(reservation, actualTokens, nowMillis);
    }

    @Override
    public void written(AdmissionDecision.Reservation reservation, int partition, long offset) {
        delegate.written(reservation, partition, offset);
    }

    static AdmissionDecision.Refused refusal(RoutingCommand block, long nowMillis) {
        String scope = Keys.scope(block.getScopeType(), block.getScopeId());
        int status = block.getBlockStatus() == 429 ? 429 : 403;
        Long until = block.getUntil();
        long retryAfter = until == null ? 0 : Math.max(0, until - nowMillis);
        String reason = block.getReason() + (until == null ? "" : " (until " + java.time.Instant.ofEpochMilli(until) + ")");
        return new AdmissionDecision.Refused(AdmissionDecision.Kind.BLOCKED,
                "blocked " + scope + " by command " + block.getCommandId(), retryAfter, status, reason);
    }
}
