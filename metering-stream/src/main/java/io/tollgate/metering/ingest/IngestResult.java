package io.tollgate.metering.ingest;

import io.tollgate.metering.dlq.DeadLetterReason;

/**
 * What the ingest step made of one input record: an event to count (a valid, first-seen, in-time
 * {@link MeteredEvent}), or a dead letter.
 */
public sealed interface IngestResult permits MeteredEvent, IngestResult.Rejected {

    /** A refused record: its original bytes travel to the dead-letter topic, the reason in headers. */
    record Rejected(byte[] key, byte[] value, DeadLetterReason reason) implements IngestResult {
    }
}
