package io.tollgate.policy.price;

/**
 * A model's prices in integer micro-dollars per million tokens. Cached input defaults to the input price
 * and reasoning tokens (part of the completion, where a provider reports them) to the output price.
 */
public record Price(long inputMicrosPerMillion, long cachedInputMicrosPerMillion, long outputMicrosPerMillion,
                    long reasoningMicrosPerMillion) {

    public static final Price FREE = new Price(0, 0, 0, 0);

    public Price {
        if (inputMicrosPerMillion < 0 || cachedInputMicrosPerMillion < 0 || outputMicrosPerMillion < 0
                || reasoningMicrosPerMillion < 0) {
            throw new IllegalArgumentException("prices are " + inputMicrosPerMillion + "/" + cachedInputMicrosPerMillion
                    + "/" + outputMicrosPerMillion + "/" + reasoningMicrosPerMillion
                    + " micro-dollars per million tokens (input/cached/output/reasoning); expected none negative");
        }
    }

    /** Input and output prices; cached input at the input price, reasoning at the output price. */
    public static Price of(long input, long output) {
        return new Price(input, input, output, output);
    }

    /** Input, cached input and output prices; reasoning at the output price. */
    public static Price of(long input, long cachedInput, long output) {
        return new Price(input, cachedInput, output, output);
    }
}
