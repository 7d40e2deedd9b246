package io.tollgate.gateway.auth;

import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.policy.TollgateConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-memory view of API keys: filled from {@code tollgate.yaml} at start and kept current
 * from {@code tollgate.policies.v1}. A bearer secret is hashed with SHA-256 and looked up by
 * hash; the stored and computed digests are then compared with {@link MessageDigest#isEqual}
 * (constant time), so a timing side channel cannot reveal how much of a hash matched.
 */
public final class ApiKeyStore {

    private static final String BEARER = "Bearer ";
    private final Map<String, KeyRecord> byHash = new ConcurrentHashMap<>();
    private final Map<String, String> hashById = new ConcurrentHashMap<>();

    public static ApiKeyStore fromConfig(List<TollgateConfig.ApiKey> keys) {
        ApiKeyStore store = new ApiKeyStore();
        keys.forEach(k -> store.put(new KeyRecord(k.id(), k.keyHash(), k.tenant(), k.team(), k.agent(), k.tier(),
                k.allowedModels(), k.revoked())));
        return store;
    }

    public void put(KeyRecord key) {
        String hash = key.keyHash().toLowerCase(java.util.Locale.ROOT);
        String previous = hashById.put(key.keyId(), hash);
        if (previous != null && !previous.equals(hash)) {
            byHash.remove(previous); // the key was rotated: the old secret stops working
        }
        byHash.put(hash, key);
    }

    public void put(ApiKeyPolicy p) {
        put(new KeyRecord(p.getKeyId(), p.getKeyHash(), p.getTenant(), p.getTeam(), p.getAgent(), p.getTier(),
                p.getAllowedModels(), p.getRevoked()));
    }

    /** A tombstone on the policy topic: the key no longer exists. */
    public void remove(String keyId) {
        String hash = hashById.remove(keyId);
        if (hash != null) {
            byHash.remove(hash);
        }
    }

    public int size() {
        return byHash.size();
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
        String hex = HexFormat.of().formatHex(digest);
        KeyRecord key = byHash.get(hex);
        if (key == null || !MessageDigest.isEqual(digest, HexFormat.of().parseHex(key.keyHash()))) {
            return new AuthResult.Rejected(401, "invalid_api_key",
                    "Incorrect API key provided. It is not one of this gateway's keys.");
        }
        if (key.revoked()) {
            return new AuthResult.Rejected(403, "api_key_revoked",
                    "API key " + key.keyId() + " has been revoked. Ask your administrator for a new key.");
        }
        return new AuthResult.Authenticated(key);
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
