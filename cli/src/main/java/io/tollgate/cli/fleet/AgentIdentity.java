package io.tollgate.cli.fleet;

import io.tollgate.schemas.policy.TollgateConfig;
import java.util.List;

/** One demo agent of the policy file: its key, team and the secret the local stack's keys are made from. */
public record AgentIdentity(String keyId, String team, String agent, String secret, List<String> allowedModels) {

    /** The ten demo keys of tollgate.yaml have the secrets {@code tg-demo-<agent>}. */
    public static List<AgentIdentity> demoAgents(TollgateConfig config) {
        return config.keys().stream().filter(k -> !k.revoked())
                .map(k -> new AgentIdentity(k.id(), k.team(), k.agent(), "tg-demo-" + k.agent(), List.copyOf(k.allowedModels())))
                .toList();
    }
}
