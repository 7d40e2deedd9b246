package io.tollgate.gateway.call;

import io.tollgate.gateway.auth.KeyRecord;
import io.tollgate.gateway.catalog.ModelCatalog;
import io.tollgate.gateway.catalog.ResolvedModel;
import io.tollgate.gateway.routing.Router;
import io.tollgate.gateway.upstream.Providers;
import java.util.Map;
import java.util.Optional;

/**
 * Which model names a key can call: a catalog model that a configured provider serves, that a
 * source prices and that the key may use; or a name the router resolves itself ({@code auto}, a
 * tier name). Calls are checked here before routing, so that no fallback, downgrade or local model
 * ever stands in for a name nobody could call; {@code GET /v1/models} lists the same models.
 */
public final class CallableModels {

    private final ModelCatalog catalog;
    private final Providers providers;
    private final Router router;

    public CallableModels(ModelCatalog catalog, Providers providers, Router router) {
        this.catalog = catalog;
        this.providers = providers;
        this.router = router;
    }

    /**
     * The requested model, or empty for a name the router resolves itself; refuses any other name
     * with 404 {@code model_not_found}, 403 {@code model_not_allowed} or 403 {@code model_not_priced}.
     */
    Optional<ResolvedModel> require(KeyRecord key, String name) {
        if (router.resolvesAlias(name)) {
            return Optional.empty();
        }
        ResolvedModel model = catalog.resolve(name);
        if (!served(model)) {
            throw notFound(name, "");
        }
        if (!key.mayUse(name)) {
            throw new GatewayError(403, "permission_error", "model_not_allowed", "model", "API key " + key.keyId()
                    + " may not use model '" + name + "'; it may use " + key.allowedModels() + ".", Map.of());
        }
        if (!model.priced()) {
            throw new GatewayError(403, "permission_error", "model_not_priced", "model", model.howToPrice(), Map.of());
        }
        return Optional.of(model);
    }

    /**
     * The model when {@code key} may call it by this name: what {@code GET /v1/models} lists. Empty for
     * unknown, unserved, unpriced and disallowed models alike, so a key learns nothing of models it may not use.
     */
    public Optional<ResolvedModel> forKey(KeyRecord key, String name) {
        ResolvedModel model = catalog.resolve(name);
        return served(model) && model.priced() && key.mayUse(name) ? Optional.of(model) : Optional.empty();
    }

    private boolean served(ResolvedModel model) {
        return model.provider().flatMap(p -> providers.get(p.value())).isPresent();
    }

    static GatewayError notFound(String name, String detail) {
        return new GatewayError(404, "invalid_request_error", "model_not_found", "model", "The model '" + name
                + "' does not exist or no configured provider serves it" + detail
                + ". GET /v1/models lists the models you may use.", Map.of());
    }
}
