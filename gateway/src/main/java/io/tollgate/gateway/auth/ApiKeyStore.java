package io.tollgate.gateway.auth;

import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * API-key authentication against the gateway's policies ({@code key:<id>} records of
 * {@code tollgate.policies.v1}, held in a {@link PolicySnapshot}). A bearer secret is hashed with SHA-256 and
 * looked up by hash; the stored and computed digests are then compared with {@link MessageDigest#isEqual}
 * (constant time), so a timing side channel cannot reveal how much of a hash matched. A key rotated or
 * deleted on the topic stops working as soon as the record is applied.
 */
public final class ApiKeyStore {

    private static final String BEARER = "Bearer ";
    private final PolicySnapshot policies;

    public ApiKeyStore(PolicySnapshot policies) {
        this.policies = Objects.requireNonNull(policies, "policies");
    }

    public int size() {
        return policies.keys().size();
    }

    public AuthResult authenticate(String authorizationHeader) {
        if (authorizationHeader == null || authorizationHeader.isBlank()) {
            return new AuthResult.Rejected(401, "missing_api_key",
                    "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.");
        }
        if (!authorizationHeader.regionMatches(true, 0, BEARER, 0, BEARER.length())
                || authorizationHeader.length() == BEARER.length()) {
            return new AuthResult.Rejected(401, "invalid_api_key",
                    "The Authorization header must be 'Bearer <key>'; got a header of another scheme.");
        }
        byte[] digest = sha256(authorizationHeader.substring(BEARER.length()).trim());
        Optional<ApiKeyPolicy> key = policies.keyByHash(HexFormat.of().formatHex(digest));
        if (key.isEmpty() || !MessageDigest.isEqual(digest, HexFormat.of().parseHex(key.get().getKeyHash()))) {
            return new AuthResult.Rejected(401, "invalid_api_key",
                    "Incorrect API key provided. It is not one of this gateway's keys.");
        }
        ApiKeyPolicy p = key.get();
        if (p.getRevoked()) {
            return new AuthResult.Rejected(403, "api_key_revoked",
                    "API key " + p.getKeyId() + " has been revoked. Ask your administrator for a new key.");
        }
        return new AuthResult.Authenticated(new KeyRecord(p.getKeyId(), p.getKeyHash(), p.getTenant(), p.getTeam(),
                p.getAgent(), p.getTier(), p.getAllowedModels(), p.getRevoked()));
    }

    public static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    public static String sha256Hex(String secret) {
        return HexFormat.of().formatHex(sha256(secret));
    }
}
