package io.tollgate.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.Policy;
import org.junit.jupiter.api.Test;

class ApiKeyStoreTest {

    private final PolicySnapshot policies = new PolicySnapshot();

    /** Applies the key's record as the policy topic would deliver it. */
    private void put(String id, String secret, boolean revoked) {
        policies.apply("key:" + id, Policy.newBuilder().setPolicy(ApiKeyPolicy.newBuilder().setKeyId(id)
                .setKeyHash(ApiKeyStore.sha256Hex(secret)).setTenant("acme").setTeam("research").setAgent("planner")
                .setTier("tier1").setRevoked(revoked).build()).build());
    }

    @Test
    void shouldMatchTheDemoKeyHashOfTheExamplePolicyFileWhenHashingItsSecret() {
        // tollgate.yaml: k-planner's secret is "tg-demo-planner"
        assertThat(ApiKeyStore.sha256Hex("tg-demo-planner"))
                .isEqualTo("c2ecf2cee4ddc986f366238c5075d84a76d8bf8e6f90530b5a9307c8a488d8dd");
    }

    @Test
    void shouldAuthenticateWhenTheBearerSecretHashesToAKnownKey() {
        ApiKeyStore store = new ApiKeyStore(policies);
        put("k-1", "s3cret", false);

        assertThat(store.authenticate("Bearer s3cret"))
                .isInstanceOfSatisfying(AuthResult.Authenticated.class, a -> assertThat(a.key().keyId()).isEqualTo("k-1"));
    }

    @Test
    void shouldRefuseWith401WhenTheKeyIsMissingMalformedOrUnknown() {
        ApiKeyStore store = new ApiKeyStore(policies);
        put("k-1", "s3cret", false);

        assertThat(store.authenticate(null)).isEqualTo(new AuthResult.Rejected(401, "missing_api_key",
                "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'."));
        assertThat(store.authenticate("Basic czNjcmV0")).extracting(r -> ((AuthResult.Rejected) r).code())
                .isEqualTo("invalid_api_key");
        assertThat(store.authenticate("Bearer wrong")).extracting(r -> ((AuthResult.Rejected) r).status())
                .isEqualTo(401);
    }

    @Test
    void shouldRefuseWith403WhenTheKeyIsRevoked() {
        ApiKeyStore store = new ApiKeyStore(policies);
        put("k-1", "s3cret", true);

        assertThat(store.authenticate("Bearer s3cret")).isInstanceOfSatisfying(AuthResult.Rejected.class, r -> {
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.message()).contains("k-1").contains("revoked");
        });
    }

    @Test
    void shouldStopAcceptingTheOldSecretWhenAKeyIsRotatedOrDeleted() {
        ApiKeyStore store = new ApiKeyStore(policies);
        put("k-1", "old", false);
        put("k-1", "new", false);

        assertThat(store.authenticate("Bearer old")).isInstanceOf(AuthResult.Rejected.class);
        assertThat(store.authenticate("Bearer new")).isInstanceOf(AuthResult.Authenticated.class);

        policies.apply("key:k-1", null);
        assertThat(store.authenticate("Bearer new")).isInstanceOf(AuthResult.Rejected.class);
    }

    @Test
    void shouldJudgeAKeyByItsNewRecordWhenItIsRevokedOrChangedAfterItAuthenticated() {
        // Given a key that has authenticated (its record's decisions are memoised)
        ApiKeyStore store = new ApiKeyStore(policies);
        put("k-1", "s3cret", false);
        assertThat(store.authenticate("Bearer s3cret")).isInstanceOf(AuthResult.Authenticated.class);

        // When the same secret's record is revoked, then re-issued to another agent
        put("k-1", "s3cret", true);
        AuthResult revoked = store.authenticate("Bearer s3cret");
        policies.apply("key:k-1", Policy.newBuilder().setPolicy(ApiKeyPolicy.newBuilder().setKeyId("k-1")
                .setKeyHash(ApiKeyStore.sha256Hex("s3cret")).setTenant("acme").setTeam("research").setAgent("writer")
                .setTier("tier1").setRevoked(false).build()).build());
        AuthResult reissued = store.authenticate("Bearer s3cret");

        // Then each call sees the record applied last
        assertThat(revoked).isInstanceOfSatisfying(AuthResult.Rejected.class, r -> assertThat(r.status()).isEqualTo(403));
        assertThat(reissued).isInstanceOfSatisfying(AuthResult.Authenticated.class,
                a -> assertThat(a.key().agent()).isEqualTo("writer"));
    }

    @Test
    void shouldRefuseAKnownKeysHashPresentedAsItsSecretWhenItHasAuthenticatedBefore() {
        // Given a key that has authenticated
        ApiKeyStore store = new ApiKeyStore(policies);
        put("k-1", "s3cret", false);
        store.authenticate("Bearer s3cret");

        // When its published hash is presented as the secret, Then it is an unknown key
        assertThat(store.authenticate("Bearer " + ApiKeyStore.sha256Hex("s3cret")))
                .isInstanceOfSatisfying(AuthResult.Rejected.class, r -> assertThat(r.status()).isEqualTo(401));
    }
}
