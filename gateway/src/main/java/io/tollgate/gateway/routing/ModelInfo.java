package io.tollgate.gateway.routing;

import io.tollgate.schemas.policy.TollgateConfig;
import java.util.Objects;

/**
 * What routing needs to know about a model: its tier, how much it can take, what it costs.
 * Null sizes and prices mean "not known": such a model is assumed to fit, and sorts after priced
 * models when looking for the cheapest. Prices are micro-dollars per million tokens.
 */
public record ModelInfo(String id, String provider, String tier, Integer contextWindow, Integer maxOutputTokens,
                        Long inputPriceMicrosPerMillion, Long outputPriceMicrosPerMillion) {

    public ModelInfo {
        Objects.requireNonNull(id, "id");
    }

    public static ModelInfo of(TollgateConfig.Model model) {
        return new ModelInfo(model.id(), model.provider(), model.tier(), model.contextWindow(), model.maxOutputTokens(),
                model.inputPriceMicrosPerMillion(), model.outputPriceMicrosPerMillion());
    }

    /** True when the prompt plus the requested output fit the context window and the output limit. */
    public boolean fits(PromptFeatures features) {
        long output = Math.max(0, features.requestedMaxTokens());
        if (maxOutputTokens != null && output > maxOutputTokens) {
            return false;
        }
        return contextWindow == null || features.promptTokens() + output <= contextWindow;
    }

    /**
     * The estimated price of the call in micro-dollars per million, i.e. {@code cost x 10^6}: the prompt
     * at the input price plus the requested output (at least one token) at the output price. Null when
     * a price is unknown.
     */
    public Long estimatedCost(PromptFeatures features) {
        if (inputPriceMicrosPerMillion == null || outputPriceMicrosPerMillion == null) {
            return null;
        }
        long output = Math.max(1, features.requestedMaxTokens());
        return inputPriceMicrosPerMillion * features.promptTokens() + outputPriceMicrosPerMillion * output;
    }
}
