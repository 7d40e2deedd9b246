package io.tollgate.gateway.routing;

import java.util.List;
import java.util.Optional;

/**
 * The models routing may choose from. The gateway's catalog is adapted to this at wiring time;
 * {@link ConfigModelDirectory} reads the models of {@code tollgate.yaml}.
 */
public interface ModelDirectory {

    Optional<ModelInfo> model(String id);

    /** Every model of {@code tier}, in no particular order; empty when the tier has none. */
    List<ModelInfo> modelsOfTier(String tier);

    /** True when {@code name} is a tier at least one model belongs to. */
    default boolean isTier(String name) {
        return !modelsOfTier(name).isEmpty();
    }
}
