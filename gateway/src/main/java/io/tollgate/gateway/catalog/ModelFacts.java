package io.tollgate.gateway.catalog;

/**
 * What one source knows about one model; null = this source does not say. Prices are
 * micro-dollars per million tokens. {@code provider} names the upstream that serves the model and
 * {@code upstreamName} the name to send it (null = the catalog id).
 */
public record ModelFacts(Integer contextWindow, Integer maxOutputTokens, String tokenizer,
                         Long inputPrice, Long outputPrice, Long cachedInputPrice, String tier,
                         String provider, String upstreamName) {

    public static final ModelFacts NONE = new ModelFacts(null, null, null, null, null, null, null, null, null);

    public boolean isEmpty() {
        return equals(NONE);
    }
}
