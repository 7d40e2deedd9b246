package io.tollgate.gateway.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schemas.policy.TollgateConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCatalogTest {

    private static final TollgateConfig.Model CONFIGURED = new TollgateConfig.Model("gpt-4o", "openai", null, 64_000,
            null, null, 3_000_000L, null, null, "large");

    private ModelCatalog catalog(Map<String, String> env, List<ModelSource> files, ModelSource discovery) {
        List<ModelSource> chain = new java.util.ArrayList<>();
        chain.add(new EnvModelSource(env));
        io.tollgate.policy.records.PolicySnapshot policies = new io.tollgate.policy.records.PolicySnapshot();
        policies.apply("model:gpt-4o", io.tollgate.schemas.avro.Policy.newBuilder()
                .setPolicy(io.tollgate.policy.records.PolicyRecords.modelPolicy(CONFIGURED)).setSource("tollgate.yaml").build());
        chain.add(new PolicyModelSource(policies));
        chain.addAll(files);
        if (discovery != null) {
            chain.add(discovery);
        }
        chain.add(new InferenceSource());
        chain.add(BundledSource.load());
        return new ModelCatalog(chain, CatalogDefaults.STANDARD);
    }

    @Test
    void shouldTakeEachValueFromTheFirstSourceThatKnowsItWhenSeveralSourcesKnowTheModel() {
        // Given env sets the limit, the config file the input price and tier, nothing else explicit
        ModelCatalog catalog = catalog(Map.of("TOLLGATE_MODEL_LIMIT_GPT_4O", "32000"), List.of(), null);

        // When
        ResolvedModel m = catalog.resolve("gpt-4o");

        // Then
        assertThat(m.contextWindow()).isEqualTo(new Sourced<>(32_000, "env"));
        assertThat(m.inputPrice()).isEqualTo(new Sourced<>(3_000_000L, "config tollgate.yaml"));
        assertThat(m.tier()).isEqualTo(new Sourced<>("large", "config tollgate.yaml"));
        assertThat(m.provider()).contains(new Sourced<>("openai", "config tollgate.yaml"));
        assertThat(m.maxOutputTokens()).isEqualTo(new Sourced<>(16_384, "inference"));
        assertThat(m.tokenizer()).isEqualTo(new Sourced<>("o200k_base", "inference"));
        assertThat(m.outputPrice()).isEqualTo(new Sourced<>(10_000_000L, "bundled"));
        assertThat(m.cachedInputPrice()).isEqualTo(new Sourced<>(1_250_000L, "bundled"));
    }

    @Test
    void shouldPreferConfigOverModelFileAndModelFileOverDiscoveryWhenAllNameTheModel(@TempDir Path dir)
            throws IOException {
        // Given a model file and a discovered listing that both know "custom-1"
        Files.writeString(dir.resolve(ModelFileSource.FILE_NAME),
                "{\"custom-1\": {\"context_window\": 4096, \"price\": {\"input\": 1.5}}}");
        List<ModelSource> files = ModelFileSource.standardLocations(dir, dir.resolve("home"));
        ModelSource discovery = new FixedSource("discovery vllm",
                new ModelFacts(8192, 2048, null, 9L, 9L, null, null, "vllm", null));

        // When
        ResolvedModel m = catalog(Map.of(), files, discovery).resolve("custom-1");

        // Then
        assertThat(m.contextWindow()).isEqualTo(new Sourced<>(4096, "file " + dir.resolve(ModelFileSource.FILE_NAME)));
        assertThat(m.inputPrice().value()).isEqualTo(1_500_000L);
        assertThat(m.maxOutputTokens()).isEqualTo(new Sourced<>(2048, "discovery vllm"));
        assertThat(m.outputPrice()).isEqualTo(new Sourced<>(9L, "discovery vllm"));
        assertThat(m.provider()).contains(new Sourced<>("vllm", "discovery vllm"));
        assertThat(m.tokenizer()).isEqualTo(new Sourced<>("cl100k_base", "default"));
    }

    @Test
    void shouldFallBackToDefaultsAndChargeCachedInputAsInputWhenNoSourceKnowsTheModel() {
        // When
        ResolvedModel m = catalog(Map.of(), List.of(), null).resolve("totally-unknown-model");

        // Then
        assertThat(m.contextWindow()).isEqualTo(new Sourced<>(8192, "default"));
        assertThat(m.provider()).isEmpty();
        assertThat(m.cachedInputPrice().value()).isEqualTo(m.inputPrice().value());
        assertThat(m.cachedInputPrice().source()).isEqualTo("input price (default)");
    }

    @Test
    void shouldInferFromTheNameWithoutVendorPrefixWhenTheIdIsRouterStyle() {
        // When
        ResolvedModel claude = catalog(Map.of(), List.of(), null).resolve("anthropic/claude-sonnet-4-5:beta");

        // Then
        assertThat(claude.contextWindow()).isEqualTo(new Sourced<>(200_000, "inference"));
        assertThat(claude.tokenizer()).isEqualTo(new Sourced<>("claude", "inference"));
        assertThat(claude.inputPrice()).isEqualTo(new Sourced<>(3_000_000L, "bundled"));
    }

    @Test
    void shouldNameTheVariableAndExpectationWhenAnEnvValueIsNotANumber() {
        // Given
        ModelCatalog catalog = catalog(Map.of("TOLLGATE_MODEL_PRICE_INPUT_GPT_4O", "cheap"), List.of(), null);

        // Then
        assertThatThrownBy(() -> catalog.resolve("gpt-4o"))
                .hasMessageContaining("TOLLGATE_MODEL_PRICE_INPUT_GPT_4O='cheap'")
                .hasMessageContaining("US dollars per million tokens");
    }

    @Test
    void shouldSpellEnvNamesUpperCaseWithUnderscoresWhenTheIdHasDotsAndDashes() {
        assertThat(EnvModelSource.envName("gpt-4.1-mini")).isEqualTo("GPT_4_1_MINI");
    }

    @Test
    void shouldListOnlyExplicitModelsWithAProviderWhenAskedForServableModels() {
        // When
        List<String> ids = catalog(Map.of(), List.of(), null).servableModels().stream().map(ResolvedModel::id).toList();

        // Then bundled-only models are not servable: no source routes them
        assertThat(ids).containsExactly("gpt-4o");
    }

    @Test
    void shouldDescribeEveryValueWithItsSourceWhenShownToAdmins() {
        Map<String, Object> d = catalog(Map.of(), List.of(), null).resolve("gpt-4o").describe();
        assertThat(d).containsEntry("context_window", Map.of("value", 64_000, "source", "config tollgate.yaml"));
    }

    @Test
    void shouldCallAModelUnpricedWhenOnlyTheBuiltInDefaultPricesIt() {
        // Given a provider for a model no source prices (env names its provider only)
        ModelCatalog catalog = catalog(Map.of("TOLLGATE_MODEL_PROVIDER_OPENROUTER_AUTO", "openrouter"), List.of(), null);

        // When
        ResolvedModel m = catalog.resolve("openrouter/auto");

        // Then it is servable but unpriced, and says how to price it
        assertThat(m.provider()).isPresent();
        assertThat(m.priced()).isFalse();
        assertThat(m.inputPrice()).isEqualTo(new Sourced<>(0L, "default"));
        assertThat(m.howToPrice()).contains("openrouter/auto").contains("models[].price")
                .contains("TOLLGATE_MODEL_PRICE_INPUT_OPENROUTER_AUTO").contains("tollgate-models.json")
                .contains("discovery");
        assertThat(m.describe()).containsEntry("priced", false).containsKey("unpriced");
    }

    @Test
    void shouldCallAModelPricedWhenASourceSetsZeroOrTheBundledTablePricesIt() {
        // Given env prices a model at 0 explicitly
        ModelCatalog catalog = catalog(Map.of("TOLLGATE_MODEL_PRICE_INPUT_LOCAL_1", "0",
                "TOLLGATE_MODEL_PRICE_OUTPUT_LOCAL_1", "0"), List.of(), null);

        // Then free by choice is priced; a bundled price is a price; half a price is none
        assertThat(catalog.resolve("local-1").priced()).isTrue();
        assertThat(catalog.resolve("gpt-4o").priced()).isTrue();
        assertThat(catalog(Map.of("TOLLGATE_MODEL_PRICE_INPUT_HALF", "1"), List.of(), null).resolve("half").priced())
                .isFalse();
        assertThat(catalog.resolve("gpt-4o").describe()).containsEntry("priced", true).doesNotContainKey("unpriced");
    }

    @Test
    void shouldCallEveryModelPricedWhenTheOperatorSetsTheDefaultPrices() {
        CatalogDefaults priced = new CatalogDefaults(8192, 4096, "cl100k_base", 5_000_000, 15_000_000, -1, "default", true);

        ResolvedModel m = new ModelCatalog(List.of(), priced).resolve("anything");

        assertThat(m.priced()).isTrue();
        assertThat(m.outputPrice().value()).isEqualTo(15_000_000L);
    }

    private record FixedSource(String name, ModelFacts facts) implements ModelSource {
        @Override
        public ModelFacts lookup(String modelId) {
            return modelId.equals("custom-1") ? facts : ModelFacts.NONE;
        }
    }
}
