package io.tollgate.gateway.catalog;

import io.tollgate.schemas.policy.TollgateConfig;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code models:} section of {@code tollgate.yaml}. */
public final class ConfigModelSource implements ModelSource {

    private final String name;
    private final Map<String, TollgateConfig.Model> models = new LinkedHashMap<>();

    public ConfigModelSource(String fileName, List<TollgateConfig.Model> models) {
        this.name = "config " + fileName;
        models.forEach(m -> this.models.put(m.id(), m));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ModelFacts lookup(String modelId) {
        TollgateConfig.Model m = models.get(modelId);
        if (m == null) {
            return ModelFacts.NONE;
        }
        return new ModelFacts(m.contextWindow(), m.maxOutputTokens(), m.tokenizer(), m.inputPriceMicrosPerMillion(),
                m.outputPriceMicrosPerMillion(), m.cachedInputPriceMicrosPerMillion(), m.tier(), m.provider(),
                m.upstreamName());
    }

    @Override
    public Collection<String> knownModels() {
        return models.keySet();
    }
}
