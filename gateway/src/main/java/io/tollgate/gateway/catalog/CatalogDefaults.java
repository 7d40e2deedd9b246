package io.tollgate.gateway.catalog;

/**
 * The last link of the chain: used when no other source knows a value. Configurable through
 * {@code TOLLGATE_MODEL_DEFAULT_*} so an operator can make unknown models conservative. A negative
 * {@code cachedInputPrice} means "the input price of the model". {@code pricesSet} says whether the
 * operator gave the default prices ({@code TOLLGATE_MODEL_DEFAULT_PRICE_INPUT}/{@code _OUTPUT}):
 * only then is a model priced by the defaults billable; the built-in 0 is no price but a placeholder.
 */
public record CatalogDefaults(int contextWindow, int maxOutputTokens, String tokenizer, long inputPrice,
                              long outputPrice, long cachedInputPrice, String tier, boolean pricesSet)
        implements ModelSource {

    public static final CatalogDefaults STANDARD = new CatalogDefaults(8192, 4096, "cl100k_base", 0, 0, -1, "default",
            false);

    @Override
    public String name() {
        return "default";
    }

    @Override
    public ModelFacts lookup(String modelId) {
        return new ModelFacts(contextWindow, maxOutputTokens, tokenizer, inputPrice, outputPrice, cachedInputPrice,
                tier, null, null);
    }
}
