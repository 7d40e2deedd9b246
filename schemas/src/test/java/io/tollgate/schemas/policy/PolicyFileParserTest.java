package io.tollgate.schemas.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schemas.policy.TollgateConfig.ApiKey;
import io.tollgate.schemas.policy.TollgateConfig.Budget;
import io.tollgate.schemas.policy.TollgateConfig.Limit;
import io.tollgate.schemas.policy.TollgateConfig.Model;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class PolicyFileParserTest {

    static final String HASH = "c2ecf2cee4ddc986f366238c5075d84a76d8bf8e6f90530b5a9307c8a488d8dd";
    static final String HASH2 = "da34c79ca29738fdb09bd937830b60bf0d58730d44874d15314b9eadd71c09a9";

    /** Providers, models and tiers that other sections refer to: lines 1..13. */
    static final String BASE = """
            providers:
              - {name: sim, base_url: "http://127.0.0.1:1/v1"}
            models:
              - {id: m-large, provider: sim, tier: large, price: {input: 2.50, output: 10}}
              - {id: m-small, provider: sim, tier: small}
            tiers:
              - name: free
                limits:
                  - {model: "*", rpm: 10}
              - name: tier1
              - name: tier2
              - name: paid
            # line 13
            """;

    static TollgateConfig parse(String yaml) {
        return PolicyFileParser.parse(yaml, "tollgate.yaml", Map.<String, String>of()::get);
    }

    static TollgateConfig parse(String yaml, Map<String, String> env) {
        return PolicyFileParser.parse(yaml, "tollgate.yaml", env::get);
    }

    static void assertError(String yaml, int line, String field, String problem) {
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOfSatisfying(PolicyFileException.class, e -> {
                    assertThat(e.file()).isEqualTo("tollgate.yaml");
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.problem()).contains(problem);
                    assertThat(e.line()).as("line of: " + e.getMessage()).isEqualTo(line);
                    assertThat(e.getMessage()).startsWith("tollgate.yaml:" + line + ": ");
                });
    }

    static String key(String fields) {
        return BASE + "keys:\n  - {id: k1, hash: " + HASH + ", tenant: acme, team: t, agent: a, " + fields + "}\n";
    }

    /** A budget entry on line 15; the key declaring tenant acme, team t, agent a and key k1 follows it. */
    static String budget(String fields) {
        return BASE + "budgets:\n  - {" + fields + "}\n"
                + "keys:\n  - {id: k1, hash: " + HASH + ", tenant: acme, team: t, agent: a, tier: free}\n";
    }

    @Nested
    class ExampleFile {

        @Test
        void shouldParseTheRepositoryExampleWhenTheEnvironmentIsEmpty() {
            // Given the example file at the repository root
            Path file = Path.of("../tollgate.yaml");

            // When
            TollgateConfig config = PolicyFileParser.parse(file, name -> null);

            // Then
            assertThat(config.organisation()).isEqualTo(new TollgateConfig.Organisation("UTC", 0, 80));
            assertThat(config.tenants()).containsExactly(new TollgateConfig.Tenant("acme", "Europe/Berlin", 0));
            assertThat(config.providers()).singleElement().satisfies(p -> {
                assertThat(p.baseUrl()).isEqualTo("http://127.0.0.1:18080/v1");
                assertThat(p.apiKeys()).containsExactly("sim-key-1", "sim-key-2");
                assertThat(p.connectTimeoutMs()).isEqualTo(2000);
                assertThat(p.requestTimeoutMs()).isEqualTo(30000);
                assertThat(p.discovery()).isEqualTo("none");
                assertThat(p.toString()).doesNotContain("sim-key-1");
            });
            assertThat(config.models()).extracting(Model::id).containsExactly("sim-large", "sim-medium", "sim-small", "sim-local");
            Model small = config.model("sim-small").orElseThrow();
            assertThat(small.inputPriceMicrosPerMillion()).isEqualTo(150_000L);
            assertThat(small.outputPriceMicrosPerMillion()).isEqualTo(600_000L);
            assertThat(small.cachedInputPriceMicrosPerMillion()).isEqualTo(75_000L);
            assertThat(small.contextWindow()).isEqualTo(128_000);
            assertThat(small.tokenizer()).isEqualTo("o200k_base");
            assertThat(config.model("sim-local").orElseThrow().cachedInputPriceMicrosPerMillion()).isNull();
            assertThat(config.model("sim-large").orElseThrow().inputPriceMicrosPerMillion()).isEqualTo(2_500_000L);
            assertThat(config.tiers()).extracting(TollgateConfig.Tier::name).containsExactly("free", "tier1", "tier2", "paid");
            assertThat(config.tier("paid").orElseThrow().limits())
                    .containsExactly(new Limit("*", 10_000L, 30_000_000L, null, null));
            assertThat(config.keys()).hasSize(10);
            ApiKey deployer = config.keys().get(6);
            assertThat(deployer.id()).isEqualTo("k-deployer");
            assertThat(deployer.allowedModels()).containsExactly("sim-small", "sim-local");
            assertThat(config.keys().get(8).limits()).containsExactly(new Limit("sim-large", 20L, null, null, null));
            assertThat(config.budgets()).hasSize(5);
            Budget platform = config.budgets().get(2);
            assertThat(platform).isEqualTo(new Budget("team", "platform", "day", null, 80_000L, 120_000L,
                    List.of(50, 80, 100), "downgrade", "small"));
            assertThat(config.budgets().get(4).thresholdsPercent()).containsExactly(50, 80, 90, 100);
            assertThat(config.routing().fallbackChains())
                    .containsEntry("sim-large", List.of("sim-medium", "sim-small"))
                    .containsEntry("sim-medium", List.of("sim-small"));
            assertThat(config.routing().localFallback()).isEqualTo("sim-local");
            assertThat(config.routing().complexityTiers()).extracting(TollgateConfig.ComplexityTier::tier)
                    .containsExactly("small", "medium", "large");
            assertThat(config.routing().autoWait()).isTrue();
            assertThat(config.routing().maxWaitSeconds()).isEqualTo(10.0);
        }

        @Test
        void shouldUseTheEnvironmentWhenTheExampleReferencesASetVariable() {
            TollgateConfig config = PolicyFileParser.parse(Path.of("../tollgate.yaml"),
                    Map.of("TOLLGATE_SIMULATED_PROVIDER_URL", "http://10.0.0.1:9/v1")::get);

            assertThat(config.providers().get(0).baseUrl()).isEqualTo("http://10.0.0.1:9/v1");
        }

        @Test
        void shouldNameTheFileWhenItCannotBeRead() {
            Path missing = Path.of("target/no-such-tollgate.yaml");

            assertThatThrownBy(() -> PolicyFileParser.parse(missing))
                    .isInstanceOf(PolicyFileException.class)
                    .hasMessageContaining("no-such-tollgate.yaml")
                    .hasMessageContaining("cannot read");
        }
    }

    @Nested
    class Defaults {

        @Test
        void shouldApplyDefaultsWhenSectionsAndOptionalFieldsAreAbsent() {
            TollgateConfig config = parse(key("tier: free") + "budgets:\n  - {scope: 'team:t', period: day, limit_usd: 1}\n");

            assertThat(config.organisation()).isEqualTo(new TollgateConfig.Organisation("UTC", 0, 80));
            assertThat(config.tenants()).isEmpty();
            assertThat(config.providers().get(0).connectTimeoutMs()).isEqualTo(PolicyFileParser.DEFAULT_CONNECT_TIMEOUT_MS);
            assertThat(config.providers().get(0).apiKeys()).isEmpty();
            assertThat(config.keys().get(0).revoked()).isFalse();
            assertThat(config.keys().get(0).allowedModels()).isEmpty();
            Budget budget = config.budgets().get(0);
            assertThat(budget.thresholdsPercent()).containsExactly(50, 80, 100);
            assertThat(budget.action()).isEqualTo("alert");
            assertThat(budget.limitMicros()).isEqualTo(1_000_000L);
            assertThat(config.routing().fallbackChains()).isEmpty();
            assertThat(config.routing().autoWait()).isFalse();
        }

        @Test
        void shouldTreatANullValueAsAbsentWhenAnOptionalFieldIsEmpty() {
            TollgateConfig config = parse("organisation:\n  zone: ~\n  reset_hour:\n");

            assertThat(config.organisation().zone()).isEqualTo("UTC");
            assertThat(config.organisation().resetHour()).isZero();
        }
    }

    @Nested
    class Money {

        @Test
        void shouldKeepDollarsAsExactMicrosWhenSixDecimalsAreGiven() {
            TollgateConfig config = parse(budget("scope: 'team:t', period: day, limit_usd: 0.123456, hard_limit_usd: 1.1000000"));

            assertThat(config.budgets().get(0).limitMicros()).isEqualTo(123_456L);
            assertThat(config.budgets().get(0).hardLimitMicros()).isEqualTo(1_100_000L);
        }

        @Test
        void shouldRejectAmountsWhenTheyHaveMoreThanSixDecimals() {
            assertError(budget("scope: 'team:t', period: day, limit_usd: 0.0000001"), 15, "budgets[0].limit_usd",
                    "more than 6 decimal places");
        }

        @Test
        void shouldRejectPricesWhenTheyHaveMoreThanSixDecimals() {
            assertError(BASE.replace("input: 2.50", "input: 2.5000001"), 4, "models[0].price.input",
                    "more than 6 decimal places");
        }

        @Test
        void shouldRejectNegativePricesWhenGiven() {
            assertError(BASE.replace("output: 10", "output: -10"), 4, "models[0].price.output", "negative");
        }

        @Test
        void shouldRejectNegativeBudgetsWhenGiven() {
            assertError(budget("scope: 'team:t', period: day, limit_usd: -1"), 15, "budgets[0].limit_usd", "negative");
        }

        @Test
        void shouldRejectTextWhenAnAmountIsExpected() {
            assertError(budget("scope: 'team:t', period: day, limit_usd: ten"), 15, "budgets[0].limit_usd",
                    "expected an amount in US dollars such as 12.50, got 'ten'");
        }

        @Test
        void shouldRejectAmountsWhenTheyOverflowMicros() {
            assertError(budget("scope: 'team:t', period: day, limit_usd: 99999999999999999"), 15, "budgets[0].limit_usd",
                    "too large");
        }

        @Test
        void shouldRejectAHardLimitWhenItIsBelowTheLimit() {
            assertError(budget("scope: 'team:t', period: day, limit_usd: 2, hard_limit_usd: 1"), 15,
                    "budgets[0].hard_limit_usd", "below limit_usd");
        }
    }

    @Nested
    class Environment {

        static final String YAML = "providers:\n  - name: p\n    base_url: ${URL}\n    api_keys: [\"${KEY:-none}\", \"x${A}y\"]\n";

        @Test
        void shouldSubstituteVariablesWhenTheyAreSet() {
            TollgateConfig config = parse(YAML, Map.of("URL", "https://api.example.com/v1", "KEY", "sk-1", "A", "-"));

            assertThat(config.providers().get(0).baseUrl()).isEqualTo("https://api.example.com/v1");
            assertThat(config.providers().get(0).apiKeys()).containsExactly("sk-1", "x-y");
        }

        @Test
        void shouldUseTheDefaultWhenTheVariableIsUnsetOrEmpty() {
            TollgateConfig config = parse(YAML, Map.of("URL", "http://h:1", "KEY", "", "A", ""));

            assertThat(config.providers().get(0).apiKeys()).containsExactly("none", "xy");
        }

        @Test
        void shouldNameTheVariableWhenItIsMissingAndHasNoDefault() {
            assertThatThrownBy(() -> parse(YAML, Map.of("URL", "http://h:1")))
                    .isInstanceOfSatisfying(PolicyFileException.class, e -> {
                        assertThat(e.line()).isEqualTo(4);
                        assertThat(e.field()).isEqualTo("providers[0].api_keys[1]");
                        assertThat(e.problem()).contains("environment variable A is not set");
                    });
        }

        @Test
        void shouldSubstituteNumbersWhenAVariableHoldsOne() {
            TollgateConfig config = parse("organisation:\n  reset_hour: ${HOUR:-6}\n", Map.of());

            assertThat(config.organisation().resetHour()).isEqualTo(6);
        }

        @Test
        void shouldRejectAMalformedReferenceWhenTheBraceIsNotClosed() {
            assertError("organisation:\n  zone: ${ZONE\n", 2, "organisation.zone", "malformed variable reference");
        }
    }

    @Nested
    class Structure {

        @Test
        void shouldListAllowedKeysWhenATopLevelKeyIsUnknown() {
            assertError("organisation: {}\nbudget: []\n", 2, "budget",
                    "unknown key 'budget'; allowed keys here: organisation, tenants, providers, models, tiers, keys, budgets, routing");
        }

        @Test
        void shouldNameTheNestedPathWhenAKeyHasAnUnknownField() {
            assertError(key("tier: free, colour: red"), 15, "keys[0].colour",
                    "unknown key 'colour'; allowed keys here: id, hash, tenant, team, agent, tier, allowed_models, limits, revoked");
        }

        @Test
        void shouldRejectAListWhenAMappingIsExpected() {
            assertError("organisation:\n  - zone: UTC\n", 2, "organisation", "expected a mapping");
        }

        @Test
        void shouldRejectAMappingWhenAListIsExpected() {
            assertError("tiers:\n  name: free\n", 2, "tiers", "expected a list");
        }

        @Test
        void shouldRejectTextWhenANumberIsExpected() {
            assertError(BASE.replace("rpm: 10", "rpm: lots"), 9, "tiers[0].limits[0].rpm", "expected a whole number, got 'lots'");
        }

        @Test
        void shouldRejectAFractionWhenAWholeNumberIsExpected() {
            assertError("organisation:\n  reset_hour: 1.5\n", 2, "organisation.reset_hour", "expected a whole number, got '1.5'");
        }

        @Test
        void shouldRejectAListWhenASingleValueIsExpected() {
            assertError(BASE.replace("rpm: 10", "rpm: [10]"), 9, "tiers[0].limits[0].rpm", "expected a single value, got a list");
        }

        @Test
        void shouldRejectNonBooleansWhenABooleanIsExpected() {
            assertError(key("tier: free, revoked: maybe"), 15, "keys[0].revoked", "expected true or false, got 'maybe'");
        }

        @Test
        void shouldRejectNegativeLimitsWhenGiven() {
            assertError(BASE.replace("rpm: 10", "rpm: -10"), 9, "tiers[0].limits[0].rpm", "negative");
        }

        @Test
        void shouldNameTheMissingFieldWhenARequiredOneIsAbsent() {
            assertError(key("team2: x").replace(", team2: x", ""), 15, "keys[0].tier", "missing required field 'tier'");
        }

        @Test
        void shouldReportSyntaxErrorsWithTheirLineWhenTheYamlIsInvalid() {
            assertThatThrownBy(() -> parse("organisation:\n  zone: UTC\n tiers: [\n"))
                    .isInstanceOfSatisfying(PolicyFileException.class, e -> {
                        assertThat(e.problem()).startsWith("not valid YAML");
                        assertThat(e.line()).isBetween(2, 4);
                    });
        }

        @Test
        void shouldRejectAnEmptyFileWhenParsing() {
            assertThatThrownBy(() -> parse("# only a comment\n"))
                    .isInstanceOf(PolicyFileException.class).hasMessageContaining("the file is empty");
        }

        @Test
        void shouldRejectADuplicateMappingKeyWhenGiven() {
            assertError("organisation:\n  zone: UTC\n  zone: UTC\n", 3, "organisation.zone", "duplicate key 'zone' (first at line 2)");
        }

        @Test
        void shouldRejectADocumentWhenItIsNotAMapping() {
            assertError("- a\n- b\n", 1, "", "expected a mapping");
        }
    }

    @Nested
    class References {

        @Test
        void shouldListKnownTiersWhenAKeyRefersToAnUnknownTier() {
            assertError(key("tier: gold"), 15, "keys[0].tier", "unknown tier 'gold'; known tiers: free, tier1, tier2, paid");
        }

        @Test
        void shouldRejectAnUnknownModelWhenAKeyAllowsIt() {
            assertError(key("tier: free, allowed_models: [m-small, m-huge]"), 15, "keys[0].allowed_models[1]",
                    "unknown model 'm-huge'; known models: m-large, m-small");
        }

        @Test
        void shouldRejectAnUnknownModelWhenATierLimitsIt() {
            assertError(BASE.replace("model: \"*\"", "model: m-huge"), 9, "tiers[0].limits[0].model", "unknown model 'm-huge'");
        }

        @Test
        void shouldRejectAnUnknownModelWhenAKeyLimitsIt() {
            assertError(key("tier: free, limits: [{model: gpt-9, rpm: 1}]"), 15, "keys[0].limits[0].model", "unknown model 'gpt-9'");
        }

        @Test
        void shouldRejectAnUnknownProviderWhenAModelNamesIt() {
            assertError(BASE.replace("{id: m-small, provider: sim", "{id: m-small, provider: openai"), 5, "models[1].provider",
                    "unknown provider 'openai'; known providers: sim");
        }

        @Test
        void shouldRejectUnknownModelsWhenAFallbackChainNamesThem() {
            assertError(BASE + "routing:\n  fallback_chains:\n    m-large: [m-small, m-tiny]\n", 16,
                    "routing.fallback_chains.m-large[1]", "unknown model 'm-tiny'");
        }

        @Test
        void shouldRejectAChainWhenItsModelIsUnknown() {
            assertError(BASE + "routing:\n  fallback_chains:\n    m-tiny: [m-small]\n", 16,
                    "routing.fallback_chains.m-tiny", "fallback chain for unknown model 'm-tiny'");
        }

        @Test
        void shouldRejectAChainWhenItLoopsBackToItsModel() {
            assertError(BASE + "routing:\n  fallback_chains:\n    m-large: [m-small, m-large]\n", 16,
                    "routing.fallback_chains.m-large[1]", "appears twice");
        }

        @Test
        void shouldRejectTheLocalFallbackWhenItIsNotAModel() {
            assertError(BASE + "routing:\n  local_fallback: ollama\n", 15, "routing.local_fallback", "unknown model 'ollama'");
        }

        @Test
        void shouldRejectAComplexityTierWhenNoModelHasIt() {
            assertError(BASE + "routing:\n  complexity_tiers:\n    - {tier: medium, max_score: 0.5}\n", 16,
                    "routing.complexity_tiers[0].tier", "unknown model tier 'medium'; known model tiers: large, small");
        }

        @Test
        void shouldRejectComplexityScoresWhenNotAscendingOrAboveOne() {
            assertError(BASE + "routing:\n  complexity_tiers:\n    - {tier: small, max_score: 0.5}\n    - {tier: large, max_score: 0.4}\n",
                    17, "routing.complexity_tiers[1].max_score", "strictly ascending");
            assertError(BASE + "routing:\n  complexity_tiers:\n    - {tier: small, max_score: 1.5}\n",
                    16, "routing.complexity_tiers[0].max_score", "outside 0..1");
        }
    }

    @Nested
    class Budgets {

        @Test
        void shouldRejectAScopeWhenItLacksTheTypePrefix() {
            assertError(budget("scope: research, period: day, limit_usd: 1"), 15, "budgets[0].scope",
                    "scope 'research' is not <scope>:<id> with scope one of tenant, team, agent, api_key, conversation, sub_agent");
        }

        @Test
        void shouldRejectAScopeWhenItsTypeIsUnknown() {
            assertError(budget("scope: 'group:x', period: day, limit_usd: 1"), 15, "budgets[0].scope", "is not <scope>:<id>");
        }

        @Test
        void shouldRejectAScopeWhenItsIdIsEmpty() {
            assertError(budget("scope: 'team:', period: day, limit_usd: 1"), 15, "budgets[0].scope", "is not <scope>:<id>");
        }

        @Test
        void shouldRejectAScopeWhenItNamesNothingTheFileDeclares() {
            assertError(budget("scope: 'team:t9x', period: day, limit_usd: 1"), 15, "budgets[0].scope",
                    "unknown team 't9x' in the budget scope; declared teams (keys[].team): t");
            assertError(budget("scope: 'tenant:acne', period: day, limit_usd: 1"), 15, "budgets[0].scope",
                    "unknown tenant 'acne'");
            assertError(budget("scope: 'agent:b', period: day, limit_usd: 1"), 15, "budgets[0].scope", "unknown agent 'b'");
            assertError(budget("scope: 'api_key:k2', period: day, limit_usd: 1"), 15, "budgets[0].scope", "unknown key 'k2'");
        }

        @Test
        void shouldAcceptSubAgentsOfDeclaredAgentsAndAnyConversation() {
            assertThat(parse(budget("scope: 'sub_agent:a/summarizer', period: day, limit_usd: 1")).budgets()).hasSize(1);
            assertError(budget("scope: 'sub_agent:b/summarizer', period: day, limit_usd: 1"), 15, "budgets[0].scope",
                    "unknown agent 'b'");
            assertError(budget("scope: 'sub_agent:a', period: day, limit_usd: 1"), 15, "budgets[0].scope",
                    "is not <agent>/<sub-agent>");
            assertThat(parse(budget("scope: 'conversation:*', period: lifetime, limit_usd: 1")).budgets()).hasSize(1);
        }

        @Test
        void shouldRejectAPeriodWhenItIsNotDayMonthOrLifetime() {
            assertError(budget("scope: 'team:t', period: week, limit_usd: 1"), 15, "budgets[0].period",
                    "unknown period 'week'; expected one of day, month, lifetime");
        }

        @Test
        void shouldRequireLifetimeWhenTheScopeIsAConversation() {
            assertError(budget("scope: 'conversation:c1', period: day, limit_usd: 1"), 15, "budgets[0].period",
                    "conversation budgets have period lifetime");
            assertThat(parse(budget("scope: 'conversation:c1', period: lifetime, limit_usd: 1")).budgets()).hasSize(1);
        }

        @Test
        void shouldRejectAnActionWhenItIsUnknown() {
            assertError(budget("scope: 'team:t', period: day, limit_usd: 1, action: throttle"), 15, "budgets[0].action",
                    "unknown action 'throttle'; expected one of alert, downgrade, block");
        }

        @Test
        void shouldRequireDowngradeToWhenTheActionIsDowngrade() {
            assertError(budget("scope: 'team:t', period: day, limit_usd: 1, action: downgrade"), 15,
                    "budgets[0].downgrade_to", "action downgrade needs downgrade_to naming a model (m-large, m-small) or a model tier (large, small)");
        }

        @Test
        void shouldRejectADowngradeTargetWhenItIsNeitherModelNorTier() {
            assertError(budget("scope: 'team:t', period: day, limit_usd: 1, action: downgrade, downgrade_to: tiny"), 15,
                    "budgets[0].downgrade_to", "unknown downgrade target 'tiny'");
        }

        @Test
        void shouldAcceptAModelOrAModelTierWhenDowngrading() {
            assertThat(parse(budget("scope: 'team:t', period: day, limit_usd: 1, action: downgrade, downgrade_to: m-small"))
                    .budgets().get(0).downgradeTo()).isEqualTo("m-small");
            assertThat(parse(budget("scope: 'team:t', period: day, limit_usd: 1, action: downgrade, downgrade_to: small"))
                    .budgets().get(0).downgradeTo()).isEqualTo("small");
        }

        @Test
        void shouldRejectDowngradeToWhenTheActionIsNotDowngrade() {
            assertError(budget("scope: 'team:t', period: day, limit_usd: 1, action: block, downgrade_to: small"), 15,
                    "budgets[0].downgrade_to", "only used with action: downgrade");
        }

        @Test
        void shouldRejectThresholdsWhenOutOfRangeOrNotAscending() {
            assertError(budget("scope: 'team:t', period: day, limit_usd: 1, thresholds: [0, 50]"), 15,
                    "budgets[0].thresholds[0]", "outside 1..1000");
            assertError(budget("scope: 'team:t', period: day, limit_usd: 1, thresholds: [50, 1001]"), 15,
                    "budgets[0].thresholds[1]", "outside 1..1000");
            assertError(budget("scope: 'team:t', period: day, limit_usd: 1, thresholds: [80, 50]"), 15,
                    "budgets[0].thresholds[1]", "strictly ascending; 50 follows 80");
            assertError(budget("scope: 'team:t', period: day, limit_usd: 1, thresholds: []"), 15,
                    "budgets[0].thresholds", "at least one percentage");
        }

        @Test
        void shouldRejectAZoneWhenItIsNotARegionId() {
            assertError(budget("scope: 'team:t', period: day, limit_usd: 1, zone: Mars/Olympus"), 15, "budgets[0].zone",
                    "unknown time zone 'Mars/Olympus'");
        }

        @Test
        void shouldRejectASecondBudgetWhenScopeAndPeriodRepeat() {
            assertError(budget("scope: 'team:t', period: day, limit_usd: 1}\n  - {scope: 'team:t', period: day, limit_usd: 2"),
                    16, "budgets[1]", "duplicate budget for 'team:t per day' (first at line 15)");
        }
    }

    @Nested
    class Values {

        @Test
        void shouldRejectAResetHourWhenOutside0To23() {
            assertError("organisation:\n  reset_hour: 24\n", 2, "organisation.reset_hour", "outside 0..23");
            assertError("tenants:\n  - {name: acme, reset_hour: -1}\n", 2, "tenants[0].reset_hour", "outside 0..23");
        }

        @Test
        void shouldRejectAnOrganisationZoneWhenInvalid() {
            assertError("organisation:\n  zone: Europe/Atlantis\n", 2, "organisation.zone", "unknown time zone 'Europe/Atlantis'");
        }

        @Test
        void shouldRejectAWarningPercentWhenOutside1To100() {
            assertError("organisation:\n  quota_warning_percent: 0\n", 2, "organisation.quota_warning_percent", "outside 1..100");
        }

        @Test
        void shouldRejectAKeyHashWhenItIsNot64LowerCaseHex() {
            assertError(key("tier: free").replace(HASH, "abc123"), 15, "keys[0].hash", "64 lower-case hex characters, got 6 characters");
            assertError(key("tier: free").replace(HASH, HASH.toUpperCase()), 15, "keys[0].hash", "(upper-case hex?)");
        }

        @Test
        void shouldRejectABaseUrlWhenItIsNotHttp() {
            assertError("providers:\n  - {name: p, base_url: 'ftp://x/v1'}\n", 2, "providers[0].base_url", "not an http(s) URL");
        }

        @Test
        void shouldRejectADiscoveryModeWhenUnknown() {
            assertError("providers:\n  - {name: p, base_url: 'http://x/v1', discovery: magic}\n", 2, "providers[0].discovery",
                    "expected one of none, openai, openrouter");
        }

        @Test
        void shouldRejectMaxOutputWhenItExceedsTheContextWindow() {
            assertError(BASE.replace("{id: m-small, provider: sim,", "{id: m-small, provider: sim, context_window: 10, max_output_tokens: 11,"),
                    5, "models[1].max_output_tokens", "exceeds context_window 10");
        }

        @Test
        void shouldRejectASecondLimitWhenTheSameModelRepeats() {
            assertError(key("tier: free, limits: [{model: m-small, rpm: 1}, {model: m-small, tpm: 5}]"), 15,
                    "keys[0].limits[1]", "a second limit for model 'm-small'");
        }
    }

    @Nested
    class Duplicates {

        @Test
        void shouldRejectADuplicateKeyIdWhenGiven() {
            String yaml = key("tier: free") + "  - {id: k1, hash: " + HASH2 + ", tenant: a, team: t, agent: a, tier: free}\n";
            assertError(yaml, 16, "keys[1]", "duplicate key id 'k1' (first at line 15)");
        }

        @Test
        void shouldRejectADuplicateKeyHashWhenTwoKeysShareIt() {
            String yaml = key("tier: free") + "  - {id: k2, hash: " + HASH + ", tenant: a, team: t, agent: a, tier: free}\n";
            assertError(yaml, 16, "keys[1].hash", "keys 'k1' and 'k2' have the same hash");
        }

        @Test
        void shouldRejectADuplicateTierWhenGiven() {
            assertError(BASE.replace("- name: tier2", "- name: tier1"), 11, "tiers[2]", "duplicate tier 'tier1' (first at line 10)");
        }

        @Test
        void shouldRejectADuplicateModelWhenGiven() {
            assertError(BASE.replace("id: m-small", "id: m-large"), 5, "models[1]", "duplicate model 'm-large'");
        }

        @Test
        void shouldRejectADuplicateProviderOrTenantWhenGiven() {
            assertError("tenants:\n  - {name: acme}\n  - {name: acme}\n", 3, "tenants[1]", "duplicate tenant 'acme'");
            assertError("providers:\n  - {name: p, base_url: 'http://a'}\n  - {name: p, base_url: 'http://b'}\n", 3,
                    "providers[1]", "duplicate provider 'p'");
        }
    }
}
