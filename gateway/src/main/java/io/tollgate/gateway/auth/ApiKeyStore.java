package io.tollgate.gateway.auth;

import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * API-key authentication against the gateway's policies ({@code key:<id>} records of
 * {@code tollgate.policies.v1}, held in a {@link PolicySnapshot}). A bearer secret is hashed with SHA-256 and
 * looked up by hash; the stored and computed digests are then compared with {@link MessageDigest#isEqual}
 * (constant time), so a timing side channel cannot reveal how much of a hash matched. A key rotated or
 * deleted on the topic stops working as soon as the record is applied.
 *
 * <p>What a key record decides (its stored digest decoded, its {@link KeyRecord}, or its 403) is worked out once
 * per record and kept with the record it came from; a call uses it only while the snapshot still holds that very
 * record for the hash, so a rotated, revoked or deleted key is judged by its new record from the moment the
 * snapshot has applied it, as without the memo. Secrets are never kept: only hashes the policies publish.
 */
public final class ApiKeyStore {

    private static final String BEARER = "Bearer ";
    /** More resolved records than any policy file holds keys; past it the memo starts afresh. */
    private static final int MAX_RESOLVED = 65_536;
    private static final MessageDigest SHA_256 = newSha256();
    private final PolicySnapshot policies;
    private final Map<String, Resolved> resolved = new ConcurrentHashMap<>();

    /** A key record, its digest decoded, and the outcome of presenting its secret. */
    private record Resolved(ApiKeyPolicy source, byte[] digest, AuthResult outcome) {
    }

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
        String hash = HexFormat.of().formatHex(digest);
        ApiKeyPolicy key = policies.keyByHash(hash).orElse(null);
        Resolved known = key == null ? null : resolve(hash, key);
        if (known == null || !MessageDigest.isEqual(digest, known.digest())) {
            return new AuthResult.Rejected(401, "invalid_api_key",
                    "Incorrect API key provided. It is not one of this gateway's keys.");
        }
        return known.outcome();
    }

    /** {@code key}'s decisions, worked out afresh unless the memo holds them for this very record. */
    private Resolved resolve(String hash, ApiKeyPolicy key) {
        Resolved known = resolved.get(hash);
        if (known != null && known.source() == key) {
            return known;
        }
        AuthResult outcome = key.getRevoked()
                ? new AuthResult.Rejected(403, "api_key_revoked", "API key " + key.getKeyId()
                        + " has been revoked. Ask your administrator for a new key.")
                : new AuthResult.Authenticated(new KeyRecord(key.getKeyId(), key.getKeyHash(), key.getTenant(),
                        key.getTeam(), key.getAgent(), key.getTier(), key.getAllowedModels(), key.getRevoked()));
        Resolved fresh = new Resolved(key, HexFormat.of().parseHex(key.getKeyHash()), outcome);
        if (resolved.size() >= MAX_RESOLVED) {
            resolved.clear();
        }
        resolved.put(hash, fresh);
        return fresh;
    }

    public static byte[] sha256(String secret) {
        return sha256().digest(secret.getBytes(StandardCharsets.UTF_8));
    }

    /** A fresh digest: cloning a prototype skips the provider lookup of {@code getInstance}. */
    private static MessageDigest sha256() {
        try {
            return (MessageDigest) SHA_256.clone();
        } catch (CloneNotSupportedException e) {
            return newSha256();
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    public static String sha256Hex(String secret) {
        return HexFormat.of().formatHex(sha256(secret));
    }
}
