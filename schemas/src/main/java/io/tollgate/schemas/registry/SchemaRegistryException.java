package io.tollgate.schemas.registry;

/** A schema-registry call failed; the message names the registry URL, the subject or id, and the cause. */
public class SchemaRegistryException extends RuntimeException {

    /** What went wrong, so callers can react without parsing messages. */
    public enum Reason { UNREACHABLE, NOT_FOUND, INCOMPATIBLE, UNAUTHORIZED, INVALID_SCHEMA, SERVER_ERROR }

    private final Reason reason;

    public SchemaRegistryException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public SchemaRegistryException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
