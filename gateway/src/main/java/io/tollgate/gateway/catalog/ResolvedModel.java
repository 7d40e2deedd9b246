package io.tollgate.gateway.catalog;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A model as the gateway uses it: every value resolved through the chain, with its source.
 * {@code provider} is empty when no source names an upstream for the model (it cannot be served).
 */
public record ResolvedModel(String id, Sourced<Integer> contextWindow, Sourced<Integer> maxOutputTokens,
                            Sourced<String> tokenizer, Sourced<Long> inputPrice, Sourced<Long> outputPrice,
                            Sourced<Long> cachedInputPrice, Sourced<String> tier,
                            Optional<Sourced<String>> provider, String upstreamName) {

    /** Where the price came from, for {@code UsageEvent.priceSource}: the input price's source. */
    public String priceSource() {
        return inputPrice.source();
    }

    /** Every value with its source, for {@code GET /admin/models/{id}}. */
    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        put(out, "context_window", contextWindow);
        put(out, "max_output_tokens", maxOutputTokens);
        put(out, "tokenizer", tokenizer);
        put(out, "input_price_micros_per_million", inputPrice);
        put(out, "output_price_micros_per_million", outputPrice);
        put(out, "cached_input_price_micros_per_million", cachedInputPrice);
        put(out, "tier", tier);
        provider.ifPresentOrElse(p -> put(out, "provider", p),
                () -> out.put("provider", Map.of("value", "none", "source", "no source names an upstream")));
        out.put("upstream_name", upstreamName);
        return out;
    }

    private static void put(Map<String, Object> out, String key, Sourced<?> value) {
        out.put(key, Map.of("value", value.value(), "source", value.source()));
    }
}
