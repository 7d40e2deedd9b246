package io.tollgate.gateway.routing;

import io.tollgate.gateway.catalog.ModelCatalog;
import io.tollgate.gateway.catalog.ResolvedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The gateway's {@link ModelCatalog} as a {@link ModelDirectory}: tier, context window, max output
 * and prices as the catalog resolves them (env, the policy's {@code model:} records, model files, discovery,
 * inference, bundled).
 * Only servable, priced models (a source names their provider and their price) are in the directory,
 * so {@code auto} and tier names are never mistaken for models, and routing never chooses a model
 * the gateway would refuse (an unpriced one would be served at a cost of 0). The tier index is rebuilt at most every
 * {@code refreshMillis}, because listing the servable models walks every catalog source.
 */
public final class CatalogModelDirectory implements ModelDirectory {

    private record Index(long builtAt, Map<String, List<ModelInfo>> byTier) {
    }

    private final ModelCatalog catalog;
    private final long refreshMillis;
    private final LongSupplier clock;
    private volatile Index index;

    public CatalogModelDirectory(ModelCatalog catalog, long refreshMillis, LongSupplier clock) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        if (refreshMillis < 0) {
            throw new IllegalArgumentException("refreshMillis is " + refreshMillis + "; expected >= 0");
        }
        this.refreshMillis = refreshMillis;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Optional<ModelInfo> model(String id) {
        ResolvedModel m = catalog.resolve(id);
        return m.provider().isEmpty() || !m.priced() ? Optional.empty() : Optional.of(info(m));
    }

    @Override
    public List<ModelInfo> modelsOfTier(String tier) {
        return index().byTier().getOrDefault(tier, List.of());
    }

    private Index index() {
        Index current = index;
        long now = clock.getAsLong();
        if (current == null || now - current.builtAt() >= refreshMillis) {
            Map<String, List<ModelInfo>> byTier = new java.util.HashMap<>();
            for (ResolvedModel m : catalog.servableModels()) {
                if (!m.priced()) {
                    continue;
                }
                byTier.computeIfAbsent(m.tier().value(), t -> new ArrayList<>()).add(info(m));
            }
            byTier.replaceAll((t, l) -> List.copyOf(l));
            current = new Index(now, Map.copyOf(byTier));
            index = current;
        }
        return current;
    }

    static ModelInfo info(ResolvedModel m) {
        return new ModelInfo(m.id(), m.provider().map(p -> p.value()).orElse(null), m.tier().value(),
                m.contextWindow().value(), m.maxOutputTokens().value(), m.inputPrice().value(),
                m.outputPrice().value());
    }
}
