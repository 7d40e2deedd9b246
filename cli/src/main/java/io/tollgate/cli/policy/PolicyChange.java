package io.tollgate.cli.policy;

import io.tollgate.schemas.avro.Policy;

/** One record {@code policy apply} publishes: its key, what kind of change, and the value (null for a deletion). */
public record PolicyChange(String key, Kind kind, Policy value) {

    public enum Kind {
        ADD("+"), CHANGE("~"), DELETE("-");

        private final String mark;

        Kind(String mark) {
            this.mark = mark;
        }

        public String mark() {
            return mark;
        }
    }
}
