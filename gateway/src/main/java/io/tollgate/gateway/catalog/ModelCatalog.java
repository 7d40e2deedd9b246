package io.tollgate.gateway.catalog;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * Resolves every value of a model through an ordered chain of sources; the first source that
 * knows a value wins and is recorded as that value's source. Resolutions are cached until
 * {@link #invalidate()} (called when discovery refreshes or policies change).
 */
public final class ModelCatalog {

    private final List<ModelSource> chain;
    private final CatalogDefaults defaults;
    private final ConcurrentMap<String, ResolvedModel> cache = new ConcurrentHashMap<>();

    /** {@code chain} in priority order, without the defaults, which always come last. */
    public ModelCatalog(List<ModelSource> chain, CatalogDefaults defaults) {
        this.chain = List.copyOf(chain);
        this.defaults = defaults;
    }

    public ResolvedModel resolve(String modelId) {
        return cache.computeIfAbsent(modelId, this::resolveUncached);
    }

    /** Models some source names explicitly and that have an upstream: what {@code GET /v1/models} lists. */
    public List<ResolvedModel> servableModels() {
        Set<String> ids = new LinkedHashSet<>();
        chain.forEach(source -> ids.addAll(source.knownModels()));
        List<ResolvedModel> out = new ArrayList<>();
        for (String id : ids) {
            ResolvedModel model = resolve(id);
            if (model.provider().isPresent()) {
                out.add(model);
            }
        }
        return out;
    }

    public void invalidate() {
        cache.clear();
    }

    private ResolvedModel resolveUncached(String id) {
        List<Sourced<ModelFacts>> facts = new ArrayList<>();
        for (ModelSource source : chain) {
            ModelFacts f = source.lookup(id);
            if (!f.isEmpty()) {
                facts.add(new Sourced<>(f, source.name(id)));
            }
        }
        facts.add(new Sourced<>(defaults.lookup(id), defaults.name()));
        Optional<Sourced<String>> provider = first(facts, ModelFacts::provider);
        String upstreamName = first(facts, ModelFacts::upstreamName).map(Sourced::value).orElse(id);
        Sourced<Long> input = first(facts, ModelFacts::inputPrice).orElseThrow();
        Sourced<Long> cached = first(facts, ModelFacts::cachedInputPrice).orElseThrow();
        if (cached.value() < 0) {
            // no source prices cached input: charge it like ordinary input rather than for free
            cached = new Sourced<>(input.value(), "input price (" + input.source() + ")");
        }
        Sourced<Long> output = first(facts, ModelFacts::outputPrice).orElseThrow();
        return new ResolvedModel(id,
                first(facts, ModelFacts::contextWindow).orElseThrow(),
                first(facts, ModelFacts::maxOutputTokens).orElseThrow(),
                first(facts, ModelFacts::tokenizer).orElseThrow(),
                input,
                output,
                cached,
                first(facts, ModelFacts::tier).orElseThrow(),
                provider, upstreamName, defaults.pricesSet() || priced(facts));
    }

    /** True when a source before the defaults gives both the input and the output price. */
    private static boolean priced(List<Sourced<ModelFacts>> facts) {
        List<Sourced<ModelFacts>> sources = facts.subList(0, facts.size() - 1); // the defaults are last
        return first(sources, ModelFacts::inputPrice).isPresent() && first(sources, ModelFacts::outputPrice).isPresent();
    }

    private static <T> Optional<Sourced<T>> first(List<Sourced<ModelFacts>> facts, Function<ModelFacts, T> field) {
        for (Sourced<ModelFacts> f : facts) {
            T value = field.apply(f.value());
            if (value != null) {
                return Optional.of(new Sourced<>(value, f.source()));
            }
        }
        return Optional.empty();
    }
}
