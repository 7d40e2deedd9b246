package io.tollgate.policy.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A shared secret that authenticates a caller of Tollgate's own APIs: the operator token
 * (metering-stream, budget-alerts) or the admin token (the gateway's admin listener), sent as
 * {@code Authorization: Bearer <token>}.
 *
 * <p>Both sides are hashed with SHA-256 and the digests compared with {@link MessageDigest#isEqual}:
 * the digests always have the same length, so timing reveals neither how much of a guess matched nor
 * how long the token is. {@link #toString()} never shows the token, so a token held in a
 * configuration record cannot reach a log through it.
 */
public final class AccessToken {

    /** The scheme prefix of the {@code Authorization} header. */
    public static final String BEARER = "Bearer ";
    /** Visible ASCII without spaces; long enough that guessing is hopeless. */
    private static final Pattern FORM = Pattern.compile("[\\x21-\\x7e]{16,512}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String value;
    private final byte[] digest;

    private AccessToken(String value) {
        this.value = value;
        this.digest = sha256(value);
    }

    /**
     * A configured token. {@code source} names where it came from (an environment variable, a config key,
     * a file) so that a malformed one is reported there, without echoing the value.
     */
    public static AccessToken of(String value, String source) {
        if (value == null || !FORM.matcher(value.strip()).matches()) {
            throw new IllegalArgumentException(source + " is not a usable token (" + (value == null ? "missing"
                    : value.strip().length() + " characters") + "); expected 16 to 512 visible ASCII characters"
                    + " without spaces, e.g. the output of 'openssl rand -base64 32'");
        }
        return new AccessToken(value.strip());
    }

    /** A new random token: 32 bytes from {@link SecureRandom}, base64url (43 characters). */
    public static AccessToken generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return new AccessToken(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }

    /** True when {@code presented} is this token; null never is. Constant time in the content of both. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(digest, sha256(presented));
    }

    /** True when {@code authorization} is {@code Bearer <this token>} (scheme case-insensitive). */
    public boolean matchesAuthorization(String authorization) {
        return bearer(authorization).map(this::matches).orElse(false);
    }

    /** The credential of an {@code Authorization: Bearer <credential>} header; empty for none or another scheme. */
    public static Optional<String> bearer(String authorization) {
        if (authorization == null || authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Optional.empty();
        }
        String credential = authorization.substring(BEARER.length()).strip();
        return credential.isEmpty() ? Optional.empty() : Optional.of(credential);
    }

    /** The token itself, for a client that sends it or a file that keeps it; never for a log. */
    public String value() {
        return value;
    }

    /** {@code Bearer <token>}: the {@code Authorization} header value a client sends. */
    public String authorization() {
        return BEARER + value;
    }

    /**
     * A value derived from the token for one {@code purpose} (hex SHA-256 of purpose and token): proves
     * knowledge of the token where the token itself should not be stored, e.g. in a browser cookie, and
     * cannot be used as the token elsewhere.
     */
    public String derive(String purpose) {
        Objects.requireNonNull(purpose, "purpose");
        return HexFormat.of().formatHex(sha256(purpose + '\n' + value));
    }

    @Override
    public String toString() {
        return "AccessToken[redacted]";
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
