package io.tollgate.gateway.events;

/** The on-disk spool has reached its bound while Kafka is unreachable: new calls are refused. */
public final class SpoolFullException extends RuntimeException {

    public SpoolFullException(String message) {
        super(message);
    }
}
