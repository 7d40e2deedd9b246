package io.tollgate.gateway.catalog;

import java.util.Collection;
import java.util.List;

/** One link of the catalog's resolution chain. Sources never throw for an unknown model. */
public interface ModelSource {

    /** Short label recorded next to every value this source supplies, e.g. {@code "env"}. */
    String name();

    /** The label of the values this source supplies for {@code modelId}; {@link #name()} unless a source says more. */
    default String name(String modelId) {
        return name();
    }

    /** What this source knows about {@code modelId}; {@link ModelFacts#NONE} when nothing. */
    ModelFacts lookup(String modelId);

    /** Model ids this source names explicitly (for listing); pattern-based sources list none. */
    default Collection<String> knownModels() {
        return List.of();
    }
}
