package io.tollgate.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.policy.TollgateConfig;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PolicyRouterTest {

    private static final Caller CALLER = new Caller("k-planner", "acme", "research", "planner", "tier1", "conv-1");
    /**
     * A scorer whose score depends on the SYSTEMS count only, so that these tests are about the router,
     * not the shipped model: 0 scores 0.19 (small), 2 scores 0.38 (medium), 10 scores 0.76 (large).
     */
    private static final ComplexityScorer SCORER = new ComplexityScorer(systemsOnlyModel());
    private static final PromptFeatures SIMPLE = prompt(20, 0, 0);
    private static final PromptFeatures MEDIUM = prompt(400, 1_000, 2);
    private static final PromptFeatures HARD = prompt(6_000, 4_000, 10);
    private static final PromptFeatures HUGE = prompt(60_000, 1_000, 0);

    private static final ModelDirectory MODELS = new ConfigModelDirectory(List.of(
            model("sim-large", "large", 128_000, 16_384, 2_500_000, 10_000_000),
            model("sim-medium", "medium", 128_000, 16_384, 400_000, 1_600_000),
            model("sim-small", "small", 128_000, 16_384, 150_000, 600_000),
            model("sim-small-dear", "small", 128_000, 16_384, 200_000, 800_000),
            model("sim-small-short", "small", 4_096, 1_024, 50_000, 200_000),
            model("sim-local", "local", 32_768, 4_096, 0, 0)));

    private final CommandView commands = new CommandView();
    private final AtomicLong now = new AtomicLong(1_000);
    private final PolicyRouter router = new PolicyRouter(MODELS, commands, SCORER,
            new PolicyRouter.Settings(
                    List.of(new TollgateConfig.ComplexityTier("small", 0.35), new TollgateConfig.ComplexityTier("medium", 0.70),
                            new TollgateConfig.ComplexityTier("large", 1.0)),
                    Map.of("sim-large", List.of("sim-medium", "sim-small"), "sim-medium", List.of("sim-small")),
                    "sim-local"),
            now::get);

    private static ComplexityModel systemsOnlyModel() {
        double[] weights = new double[ComplexityFeature.values().length];
        weights[ComplexityFeature.SYSTEMS.ordinal()] = 1.0;
        return new ComplexityModel(weights, 1.0, 2.0, 0.35, 0.70, Map.of());
    }

    private static PromptFeatures prompt(int tokens, int maxTokens, int systems) {
        return new PromptFeatures(tokens, 1, 0, 0, maxTokens, TextSignals.of(Map.of(TextSignal.SYSTEMS, systems)));
    }

    private static ModelInfo model(String id, String tier, int context, int maxOut, long in, long out) {
        return new ModelInfo(id, "simulated", tier, context, maxOut, in, out);
    }

    private static List<String> models(RoutePlan plan) {
        return plan.candidates().stream().map(RoutePlan.Candidate::model).toList();
    }

    @Test
    void shouldServeRequestedModelThenItsChainThenLocalWhenNoCommand() {
        RoutePlan plan = router.plan(CALLER, "sim-large", SIMPLE);

        assertThat(models(plan)).containsExactly("sim-large", "sim-medium", "sim-small", "sim-local");
        assertThat(plan.candidates()).extracting(RoutePlan.Candidate::fallback).containsExactly(false, true, true, true);
        assertThat(plan.candidates().get(1).reason()).isEqualTo("fallback of sim-large");
        assertThat(plan.reason()).isEqualTo("requested");
        assertThat(plan.complexityScore()).isNull();
        assertThat(plan.routingFeatures()).isNull();
        assertThat(plan.tier()).isEqualTo("large");
    }

    @Test
    void shouldPickCheapestFittingModelOfSmallTierWhenAutoAndPromptSimple() {
        RoutePlan plan = router.plan(CALLER, "auto", SIMPLE);

        // sim-small-short is the cheapest small model and fits 20 tokens
        assertThat(models(plan)).containsExactly("sim-small-short", "sim-local");
        assertThat(plan.tier()).isEqualTo("small");
        assertThat(plan.complexityScore()).isBetween(0.18, 0.19);
        assertThat(plan.reason()).isEqualTo("auto: complexity 0.19 -> tier small");
    }

    @Test
    void shouldSkipModelsThatDoNotFitWhenChoosingCheapest() {
        PromptFeatures longSimple = prompt(5_000, 0, 0);

        RoutePlan plan = router.plan(CALLER, "small", longSimple);

        assertThat(plan.candidates().get(0).model()).isEqualTo("sim-small");
    }

    @Test
    void shouldPickTierByScoreWhenAuto() {
        assertThat(router.plan(CALLER, "auto", MEDIUM).candidates().get(0).model()).isEqualTo("sim-medium");
        RoutePlan hard = router.plan(CALLER, "auto", HARD);
        assertThat(models(hard)).containsExactly("sim-large", "sim-medium", "sim-small", "sim-local");
        assertThat(hard.reason()).isEqualTo("auto: complexity 0.76 -> tier large");
        assertThat(hard.complexityScore()).isGreaterThan(0.70);
        assertThat(hard.routingFeatures()).isEqualTo("systems:10");
    }

    @Test
    void shouldServeTheRequestedTierWhateverTheScoreWhenTierNameRequested() {
        // Given a simple prompt, which auto would send to the small tier
        RoutePlan large = router.plan(CALLER, "large", SIMPLE);

        // Then naming the large tier gets the large tier, and the score is still reported
        assertThat(models(large)).containsExactly("sim-large", "sim-medium", "sim-small", "sim-local");
        assertThat(large.tier()).isEqualTo("large");
        assertThat(large.reason()).isEqualTo("tier large requested");
        assertThat(large.complexityScore()).isBetween(0.18, 0.19);
        // and a hard prompt asking for a smaller tier gets that tier
        assertThat(router.plan(CALLER, "medium", HARD).candidates().get(0).model()).isEqualTo("sim-medium");
        assertThat(router.plan(CALLER, "small", HARD).candidates().get(0).model()).isEqualTo("sim-small");
    }

    @Test
    void shouldMoveToLargerTierWhenNoModelOfRequestedTierFits() {
        // Given a small tier whose only model takes at most 1 024 output tokens
        PolicyRouter router = new PolicyRouter(new ConfigModelDirectory(List.of(
                model("sim-small-short", "small", 4_096, 1_024, 50_000, 200_000),
                model("sim-medium", "medium", 128_000, 16_384, 400_000, 1_600_000))), commands, SCORER,
                new PolicyRouter.Settings(List.of(new TollgateConfig.ComplexityTier("small", 0.35),
                        new TollgateConfig.ComplexityTier("medium", 1.0)), Map.of(), null), now::get);

        // When the small tier is named for a prompt asking 2 000 output tokens
        RoutePlan plan = router.plan(CALLER, "small", prompt(100, 2_000, 0));

        // Then the next larger tier serves it, and the reason says why
        assertThat(models(plan)).containsExactly("sim-medium");
        assertThat(plan.reason()).isEqualTo("tier small requested (no model of tier small fits, took medium)");
    }

    @Test
    void shouldDowngradeARequestedTierWhenCommandInForce() {
        Commands.apply(commands, Commands.downgrade(ScopeType.TEAM, "research", "sim-small"));

        RoutePlan plan = router.plan(CALLER, "large", SIMPLE);

        assertThat(models(plan)).containsExactly("sim-small", "sim-local");
        assertThat(plan.candidates().get(0).fallbackFrom()).isEqualTo("sim-large");
        assertThat(plan.complexityScore()).as("the score of the prompt is still reported").isNotNull();
    }

    @Test
    void shouldServeTierOutsideComplexityTiersWhenNamed() {
        RoutePlan plan = router.plan(CALLER, "local", SIMPLE);

        assertThat(models(plan)).containsExactly("sim-local");
        assertThat(plan.reason()).isEqualTo("tier local requested");
    }

    @Test
    void shouldMoveToLargerTierWhenNoModelOfScoredTierFits() {
        // Given a small tier whose only model takes at most 1 024 output tokens
        ModelDirectory shortSmall = new ConfigModelDirectory(List.of(
                model("sim-small-short", "small", 4_096, 1_024, 50_000, 200_000),
                model("sim-medium", "medium", 128_000, 16_384, 400_000, 1_600_000)));
        PolicyRouter router = new PolicyRouter(shortSmall, commands, SCORER,
                new PolicyRouter.Settings(List.of(new TollgateConfig.ComplexityTier("small", 0.35),
                        new TollgateConfig.ComplexityTier("medium", 1.0)), Map.of(), null), now::get);

        // When a simple prompt asks for 2 000 output tokens
        RoutePlan plan = router.plan(CALLER, "auto", prompt(100, 2_000, 0));

        // Then the medium tier serves it, and the reason says why
        assertThat(models(plan)).containsExactly("sim-medium");
        assertThat(plan.reason()).endsWith("-> tier small (no model of tier small fits, took medium)");
    }

    @Test
    void shouldServeLargestContextWhenNothingFits() {
        RoutePlan plan = router.plan(CALLER, "auto", prompt(200_000, 0, 0));

        assertThat(plan.candidates().get(0).model()).isEqualTo("sim-large");
        assertThat(plan.reason()).contains("no model fits 200000+0 tokens; largest context");
    }

    @Test
    void shouldLeaveOutFallbacksThatDoNotFitContext() {
        RoutePlan plan = router.plan(CALLER, "sim-large", HUGE);

        // sim-local's 32 768 tokens cannot hold the 61 000
        assertThat(models(plan)).containsExactly("sim-large", "sim-medium", "sim-small");
    }

    @Test
    void shouldAddTheCheapestFittingModelOfTheSameTierWhenTheRequestedContextWindowIsTooSmall() {
        // Given 5 000 prompt tokens for sim-small-short's 4 096
        PromptFeatures prompt = PromptFeatures.sized(5_000, 0);

        // When
        RoutePlan plan = router.plan(CALLER, "sim-small-short", prompt);

        // Then the cheapest small model that fits follows it, marked as a context-window fallback
        assertThat(models(plan)).containsExactly("sim-small-short", "sim-small", "sim-local");
        RoutePlan.Candidate fallback = plan.candidates().get(1);
        assertThat(fallback.via()).isEqualTo(RoutePlan.Via.CONTEXT_WINDOW);
        assertThat(fallback.fallback()).isTrue();
        assertThat(fallback.reason()).isEqualTo("context window: sim-small-short too small -> sim-small");
    }

    @Test
    void shouldTakeTheNextTierWhenNoModelOfTheSameTierFitsTheContext() {
        // Given a small tier of 50k models, a medium tier of a dear and a cheap 128k model
        ModelDirectory directory = new ConfigModelDirectory(List.of(
                model("small-50k", "small", 50_000, 4_096, 100_000, 400_000),
                model("medium-128k-dear", "medium", 128_000, 16_384, 900_000, 3_000_000),
                model("medium-128k", "medium", 128_000, 16_384, 400_000, 1_600_000),
                model("large-200k", "large", 200_000, 16_384, 2_000_000, 8_000_000)));
        PolicyRouter tiers = new PolicyRouter(directory, commands, SCORER,
                new PolicyRouter.Settings(List.of(new TollgateConfig.ComplexityTier("small", 0.3),
                        new TollgateConfig.ComplexityTier("medium", 0.6), new TollgateConfig.ComplexityTier("large", 1.0)),
                        Map.of(), null), now::get);

        // When a 60k-token prompt asks for the 50k model
        RoutePlan plan = tiers.plan(CALLER, "small-50k", PromptFeatures.sized(60_000, 1_000));

        // Then the cheapest medium model takes it, not the dearer one nor the large tier
        assertThat(models(plan)).containsExactly("small-50k", "medium-128k");
        assertThat(plan.candidates().get(1).reason()).isEqualTo("context window: small-50k too small -> medium-128k");
        // and nothing is added when nothing of the same or a higher tier fits
        assertThat(models(tiers.plan(CALLER, "small-50k", PromptFeatures.sized(300_000, 0))))
                .containsExactly("small-50k");
    }

    @Test
    void shouldAddNoContextFallbackWhenTheRequestedModelFits() {
        assertThat(router.plan(CALLER, "sim-small-short", SIMPLE).candidates())
                .extracting(RoutePlan.Candidate::via).doesNotContain(RoutePlan.Via.CONTEXT_WINDOW);
    }

    @Test
    void shouldResolveAutoAndTierNamesButNoModelOrUnknownNameWhenAskedForAliases() {
        assertThat(router.resolvesAlias("auto")).isTrue();
        assertThat(router.resolvesAlias("small")).isTrue();
        assertThat(router.resolvesAlias("sim-large")).isFalse();
        assertThat(router.resolvesAlias("no-such-model")).isFalse();
    }

    @Test
    void shouldServeDowngradeModelWhenCommandInForce() {
        Commands.apply(commands, Commands.downgrade(ScopeType.TEAM, "research", "sim-small"));

        RoutePlan plan = router.plan(CALLER, "sim-large", SIMPLE);

        assertThat(models(plan)).containsExactly("sim-small", "sim-local");
        assertThat(plan.reason()).isEqualTo("downgrade by command DOWNGRADE-TEAM-research on team:research: budget reached");
        assertThat(plan.tier()).isEqualTo("small");
        assertThat(plan.candidates().get(0).fallback()).as("a downgrade target is a fallback").isTrue();
        assertThat(plan.candidates().get(0).fallbackFrom()).isEqualTo("sim-large");
    }

    @Test
    void shouldServeCheapestOfTierWhenDowngradeNamesTier() {
        Commands.apply(commands, Commands.downgrade(ScopeType.AGENT, "planner", "medium"));

        RoutePlan plan = router.plan(CALLER, "sim-large", SIMPLE);

        assertThat(models(plan)).containsExactly("sim-medium", "sim-small", "sim-local");
    }

    @Test
    void shouldKeepCheaperChoiceWhenDowngradeWouldBeDearer() {
        Commands.apply(commands, Commands.downgrade(ScopeType.TEAM, "research", "sim-medium"));

        RoutePlan plan = router.plan(CALLER, "sim-small", SIMPLE);

        assertThat(plan.candidates().get(0).model()).isEqualTo("sim-small");
        assertThat(plan.candidates().get(0).fallback()).isFalse();
        assertThat(plan.reason()).isEqualTo("requested");
    }

    @Test
    void shouldDropDearerFallbacksWhenDowngraded() {
        // a chain that would climb back above the downgrade target
        PolicyRouter climbing = new PolicyRouter(MODELS, commands, SCORER,
                new PolicyRouter.Settings(List.of(new TollgateConfig.ComplexityTier("large", 1.0)),
                        Map.of("sim-small", List.of("sim-large", "sim-small-short")), null), now::get);
        Commands.apply(commands, Commands.downgrade(ScopeType.TEAM, "research", "sim-small"));

        assertThat(models(climbing.plan(CALLER, "sim-large", SIMPLE))).containsExactly("sim-small", "sim-small-short");
    }

    @Test
    void shouldServeRequestedAgainWhenDowngradeLapses() {
        Commands.apply(commands, Commands.command(io.tollgate.schemas.avro.CommandAction.DOWNGRADE, ScopeType.TEAM,
                "research", "sim-small", "daily budget", 5_000L, 403));
        assertThat(router.plan(CALLER, "sim-large", SIMPLE).candidates().get(0).model()).isEqualTo("sim-small");

        now.set(5_000);

        assertThat(router.plan(CALLER, "sim-large", SIMPLE).candidates().get(0).model()).isEqualTo("sim-large");
    }

    @Test
    void shouldRejectThresholdsWhenNotAscending() {
        assertThatThrownBy(() -> new PolicyRouter.Settings(List.of(new TollgateConfig.ComplexityTier("a", 0.8),
                new TollgateConfig.ComplexityTier("b", 0.3)), Map.of(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'b'").hasMessageContaining("0.3");
    }

    @Test
    void shouldReadSettingsWhenBuiltFromPolicyFileRouting() {
        TollgateConfig.Routing routing = new TollgateConfig.Routing(Map.of("a", List.of("b")), "c",
                List.of(new TollgateConfig.ComplexityTier("small", 0.5)), true, 10);

        PolicyRouter.Settings settings = PolicyRouter.Settings.from(routing);

        assertThat(settings.fallbackChains()).containsEntry("a", List.of("b"));
        assertThat(settings.localFallback()).isEqualTo("c");
    }
}
