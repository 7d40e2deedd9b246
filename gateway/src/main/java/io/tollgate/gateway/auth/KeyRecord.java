package io.tollgate.gateway.auth;

import java.util.List;

/** An API key as the gateway knows it: the hash of its secret and who it belongs to. Never the secret. */
public record KeyRecord(String keyId, String keyHash, String tenant, String team, String agent, String tier,
                        List<String> allowedModels, boolean revoked) {

    public KeyRecord {
        allowedModels = List.copyOf(allowedModels);
    }

    /** Empty {@code allowedModels} = every model of the catalog. */
    public boolean mayUse(String model) {
        return allowedModels.isEmpty() || allowedModels.contains(model);
    }
}
