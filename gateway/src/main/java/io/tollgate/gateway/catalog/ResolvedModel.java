package io.tollgate.gateway.catalog;

import io.tollgate.policy.price.Cost;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A model as the gateway uses it: every value resolved through the chain, with its source.
 * {@code provider} is empty when no source names an upstream for the model (it cannot be served).
 * {@code priced} is false when only the built-in defaults price it: the gateway then refuses to
 * serve it rather than bill it at 0, unless a source sets its price (0 is a price: free).
 */
public record ResolvedModel(String id, Sourced<Integer> contextWindow, Sourced<Integer> maxOutputTokens,
                            Sourced<String> tokenizer, Sourced<Long> inputPrice, Sourced<Long> outputPrice,
                            Sourced<Long> cachedInputPrice, Sourced<String> tier,
                            Optional<Sourced<String>> provider, String upstreamName, boolean priced) {

    /** Where the price came from, for {@code UsageEvent.priceSource}: the input price's source. */
    public String priceSource() {
        return inputPrice.source();
    }

    /** The cost of these tokens at this model's prices, in micro-dollars ({@link Cost}). */
    public long costMicros(long promptTokens, long cachedPromptTokens, long completionTokens) {
        return Cost.micros(promptTokens, cachedPromptTokens, completionTokens, inputPrice.value(),
                cachedInputPrice.value(), outputPrice.value());
    }

    /** What an operator can do about an unpriced model: every place a price can come from. */
    public String howToPrice() {
        String env = EnvModelSource.envName(id);
        return "Model '" + id + "' has no price (only the built-in default of 0 applies), so this gateway cannot bill it"
                + " and does not serve it. Price it with models[].price {input, output} in tollgate.yaml, "
                + EnvModelSource.PREFIX + "PRICE_INPUT_" + env + " and " + EnvModelSource.PREFIX + "PRICE_OUTPUT_" + env
                + " (US dollars per million tokens), an entry in tollgate-models.json, or discovery from its provider;"
                + " a price of 0 there marks it free.";
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
        out.put("priced", priced);
        if (!priced) {
            out.put("unpriced", howToPrice());
        }
        return out;
    }

    private static void put(Map<String, Object> out, String key, Sourced<?> value) {
        out.put(key, Map.of("value", value.value(), "source", value.source()));
    }
}
