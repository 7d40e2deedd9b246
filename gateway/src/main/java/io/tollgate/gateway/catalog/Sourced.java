package io.tollgate.gateway.catalog;

import java.util.Objects;

/** A catalog value and where it came from, e.g. {@code 128000 from "env TOLLGATE_MODEL_LIMIT_GPT_4O"}. */
public record Sourced<T>(T value, String source) {

    public Sourced {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(source, "source");
    }
}
