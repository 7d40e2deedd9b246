package io.tollgate.policy.scope;

import io.tollgate.schemas.avro.ScopeType;
import java.util.Locale;

/**
 * Record keys shared between services, so producers and consumers agree on one spelling.
 * <ul>
 *   <li>quota status: {@code <apiKeyId>|<model>} and {@code <apiKeyId>|*}</li>
 *   <li>scopes (alerts, commands): {@code team:acme}, {@code api_key:k-123}</li>
 *   <li>spend: {@code <scope>@<periodKey>}, e.g. {@code team:acme@2026-11-21}</li>
 * </ul>
 */
public final class Keys {

    /** The model name that stands for "all models together". */
    public static final String ALL_MODELS = "*";

    private Keys() {
    }

    public static String quota(String apiKeyId, String model) {
        return apiKeyId + '|' + model;
    }

    public static String scope(ScopeType type, String id) {
        return type.name().toLowerCase(Locale.ROOT) + ':' + id;
    }

    public static String spend(ScopeType type, String id, String periodKey) {
        return scope(type, id) + '@' + periodKey;
    }

    /** Parses {@code team:acme} back into its parts; throws naming the key when it is malformed. */
    public static Scope parseScope(String key) {
        int colon = key == null ? -1 : key.indexOf(':');
        if (colon <= 0 || colon == key.length() - 1) {
            throw new IllegalArgumentException("scope key '" + key + "' is not '<scope>:<id>' with scope one of "
                    + java.util.Arrays.toString(ScopeType.values()).toLowerCase(Locale.ROOT));
        }
        String type = key.substring(0, colon).toUpperCase(Locale.ROOT);
        try {
            return new Scope(ScopeType.valueOf(type), key.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("scope key '" + key + "' has unknown scope '" + key.substring(0, colon)
                    + "'; expected one of " + java.util.Arrays.toString(ScopeType.values()).toLowerCase(Locale.ROOT), e);
        }
    }

    /** A parsed scope. */
    public record Scope(ScopeType type, String id) {
        public String key() {
            return Keys.scope(type, id);
        }
    }
}
