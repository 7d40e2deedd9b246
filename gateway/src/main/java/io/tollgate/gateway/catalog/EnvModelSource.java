package io.tollgate.gateway.catalog;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Highest-priority source: environment variables named after the model, e.g. for {@code gpt-4o}
 * {@code TOLLGATE_MODEL_LIMIT_GPT_4O}, {@code TOLLGATE_MODEL_MAX_OUTPUT_GPT_4O},
 * {@code TOLLGATE_MODEL_PRICE_INPUT_GPT_4O}, {@code _PRICE_OUTPUT_}, {@code _PRICE_CACHED_INPUT_}
 * (US dollars per million tokens), {@code _TOKENIZER_}, {@code _TIER_}, {@code _PROVIDER_}.
 * The name is the model id upper-cased with every character other than A-Z and 0-9 as '_'.
 */
public final class EnvModelSource implements ModelSource {

    public static final String PREFIX = "TOLLGATE_MODEL_";
    private final Map<String, String> env;

    public EnvModelSource(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    public static String envName(String modelId) {
        return modelId.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    @Override
    public String name() {
        return "env";
    }

    @Override
    public ModelFacts lookup(String modelId) {
        String n = envName(modelId);
        return new ModelFacts(
                get("LIMIT_", n, v -> Integer.valueOf(v.trim())),
                get("MAX_OUTPUT_", n, v -> Integer.valueOf(v.trim())),
                get("TOKENIZER_", n, String::trim),
                get("PRICE_INPUT_", n, Prices::dollarsPerMillionToMicros),
                get("PRICE_OUTPUT_", n, Prices::dollarsPerMillionToMicros),
                get("PRICE_CACHED_INPUT_", n, Prices::dollarsPerMillionToMicros),
                get("TIER_", n, String::trim),
                get("PROVIDER_", n, String::trim),
                null);
    }

    private <T> T get(String kind, String modelName, Function<String, T> parse) {
        String var = PREFIX + kind + modelName;
        String value = env.get(var);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return parse.apply(value);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(var + "='" + value + "' is not valid: expected "
                    + (kind.startsWith("PRICE") ? "US dollars per million tokens, e.g. 2.50" : "a whole number")
                    + " (" + e.getMessage() + ")", e);
        }
    }
}
