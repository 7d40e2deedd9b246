package io.tollgate.gateway.routing;

import io.tollgate.schemas.policy.TollgateConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A fixed {@link ModelDirectory} from the models of a policy file. */
public final class ConfigModelDirectory implements ModelDirectory {

    private final Map<String, ModelInfo> byId;
    private final Map<String, List<ModelInfo>> byTier;

    public ConfigModelDirectory(Collection<ModelInfo> models) {
        Map<String, ModelInfo> ids = new LinkedHashMap<>();
        Map<String, List<ModelInfo>> tiers = new HashMap<>();
        for (ModelInfo model : models) {
            if (ids.put(model.id(), model) != null) {
                throw new IllegalArgumentException("model '" + model.id() + "' is listed twice; expected unique ids");
            }
            if (model.tier() != null) {
                tiers.computeIfAbsent(model.tier(), t -> new ArrayList<>()).add(model);
            }
        }
        this.byId = Map.copyOf(ids);
        Map<String, List<ModelInfo>> frozen = new HashMap<>();
        tiers.forEach((tier, list) -> frozen.put(tier, List.copyOf(list)));
        this.byTier = Map.copyOf(frozen);
    }

    public static ConfigModelDirectory of(TollgateConfig config) {
        return new ConfigModelDirectory(config.models().stream().map(ModelInfo::of).toList());
    }

    @Override
    public Optional<ModelInfo> model(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    @Override
    public List<ModelInfo> modelsOfTier(String tier) {
        return tier == null ? List.of() : byTier.getOrDefault(tier, List.of());
    }
}
