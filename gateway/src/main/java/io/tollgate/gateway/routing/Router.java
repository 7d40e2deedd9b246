package io.tollgate.gateway.routing;

/**
 * Chooses the models to try for a call: obeys routing commands (DOWNGRADE), resolves
 * {@code model: "auto"} and tier names by complexity, and appends the fallback chain.
 * A router never blocks and does no I/O: it reads in-memory views.
 */
public interface Router {

    RoutePlan plan(Caller caller, String requestedModel, PromptFeatures features);

    /**
     * True when the router resolves {@code requestedModel} itself ({@code auto}, a tier name) instead
     * of serving a catalog model of that name; any other name must be a model the caller may call.
     */
    default boolean resolvesAlias(String requestedModel) {
        return false;
    }

    /** No routing: the requested model only. */
    static Router direct() {
        return (caller, model, features) -> RoutePlan.direct(model);
    }
}
