package io.tollgate.metering.ingest;

import io.tollgate.metering.dlq.DeadLetterReason;

/** What the ingest step made of one input record: an event to count, or a dead letter. */
public sealed interface IngestResult {

    /** A valid, first-seen, in-time event. */
    record Accepted(MeteredEvent event) implements IngestResult {
    }

    /** A refused record: its original bytes travel to the dead-letter topic, the reason in headers. */
    record Rejected(byte[] key, byte[] value, DeadLetterReason reason) implements IngestResult {
    }
}
