package io.tollgate.gateway.auth;

/** The outcome of checking a bearer key. */
public sealed interface AuthResult {

    record Authenticated(KeyRecord key) implements AuthResult {
    }

    /** {@code status} 401 (missing, malformed, unknown) or 403 (revoked); {@code code} as in OpenAI's errors. */
    record Rejected(int status, String code, String message) implements AuthResult {
    }
}
