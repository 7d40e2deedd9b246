package io.tollgate.cli.policy;

import io.tollgate.schemas.avro.Policy;

/**
 * One record {@code policy apply} publishes: its key, what kind of change, the value (null for a deletion), and a
 * note for people (why a record is healed, what needs a restart), empty when there is nothing to add.
 */
public record PolicyChange(String key, Kind kind, Policy value, String note) {

    public PolicyChange {
        note = note == null ? "" : note;
    }

    public enum Kind {
        ADD("+"), CHANGE("~"), DELETE("-"),
        /** The key's latest record on the topic was refused (unreadable, or content under another key). */
        HEAL("!");

        private final String mark;

        Kind(String mark) {
            this.mark = mark;
        }

        public String mark() {
            return mark;
        }
    }
}
