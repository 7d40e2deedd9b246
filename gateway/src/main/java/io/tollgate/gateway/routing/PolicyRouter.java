package io.tollgate.gateway.routing;

import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.RoutingCommand;
import io.tollgate.schemas.policy.TollgateConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The router of {@code tollgate.yaml}'s {@code routing} section (as {@link LiveRouting} holds it), reading only
 * in-memory views.
 * <ol>
 *   <li>{@code model: "auto"} scores the prompt ({@link ComplexityScorer}) and takes the first
 *       complexity tier whose {@code max_score} is at least the score; a tier name (of
 *       {@code complexity_tiers} or any model's tier) takes that tier, whatever the score, which is
 *       still computed and reported. The model is the cheapest of the tier (for this prompt and
 *       {@code max_tokens}) that fits the context; if none fits, the next larger tier of
 *       {@code complexity_tiers} is tried.</li>
 *   <li>A DOWNGRADE command in force for one of the caller's scopes replaces the choice with its
 *       model, or the cheapest fitting model of its tier, unless the choice is already no dearer.</li>
 *   <li>When the chosen model's context window cannot hold the prompt plus {@code max_tokens}, the
 *       cheapest model of its tier (else of the nearest higher complexity tier) that can follows it.</li>
 *   <li>The fallback chain of the chosen model follows (models that do not fit, or that are dearer
 *       than a downgrade target, are left out), then the local fallback.</li>
 * </ol>
 * BLOCK commands are the admission's business ({@code CommandAwareAdmission}).
 */
public final class PolicyRouter implements Router {

    public static final String AUTO = "auto";

    /**
     * @param complexityTiers tiers for {@code auto}, by ascending {@code maxScore}
     * @param fallbackChains  per model, the models to cascade to in order
     * @param localFallback   served last (e.g. when a provider's breaker is open); may be null
     */
    public record Settings(List<TollgateConfig.ComplexityTier> complexityTiers, Map<String, List<String>> fallbackChains,
                           String localFallback) {
        public Settings {
            complexityTiers = List.copyOf(complexityTiers);
            fallbackChains = Map.copyOf(fallbackChains);
            double previous = Double.NEGATIVE_INFINITY;
            for (TollgateConfig.ComplexityTier tier : complexityTiers) {
                if (tier.maxScore() < previous) {
                    throw new IllegalArgumentException("routing.complexity_tiers: tier '" + tier.tier() + "' has max_score "
                            + tier.maxScore() + " below the previous tier's " + previous + "; expected ascending scores");
                }
                previous = tier.maxScore();
            }
        }

        public static Settings from(TollgateConfig.Routing routing) {
            return new Settings(routing.complexityTiers(), routing.fallbackChains(), routing.localFallback());
        }
    }

    private final ModelDirectory models;
    private final CommandView commands;
    private final ComplexityScorer scorer;
    private final Supplier<Settings> settings;
    private final LongSupplier clock;

    /**
     * @param clock epoch milliseconds, to tell whether a command has lapsed
     */
    public PolicyRouter(ModelDirectory models, CommandView commands, ComplexityScorer scorer, Settings settings,
                        LongSupplier clock) {
        this(models, commands, scorer, constant(settings), clock);
    }

    /** A router whose settings are read per call, e.g. {@link LiveRouting#settings()} that follows the policy. */
    public PolicyRouter(ModelDirectory models, CommandView commands, ComplexityScorer scorer, Supplier<Settings> settings,
                        LongSupplier clock) {
        this.models = Objects.requireNonNull(models, "models");
        this.commands = Objects.requireNonNull(commands, "commands");
        this.scorer = Objects.requireNonNull(scorer, "scorer");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    private static Supplier<Settings> constant(Settings settings) {
        Objects.requireNonNull(settings, "settings");
        return () -> settings;
    }

    @Override
    public RoutePlan plan(Caller caller, String requestedModel, PromptFeatures features) {
        Objects.requireNonNull(requestedModel, "requestedModel");
        boolean tierName = models.model(requestedModel).isEmpty() && models.isTier(requestedModel);
        Choice choice = isAuto(requestedModel) || tierName
                ? byComplexity(requestedModel, features)
                : new Choice(requestedModel, "requested" + (fits(requestedModel, features) ? "" : " (exceeds its context)"),
                        null);
        Long costCeiling = null;
        String downgradedFrom = null;
        Optional<RoutingCommand> downgrade = commands.downgrade(caller, clock.getAsLong());
        if (downgrade.isPresent()) {
            Choice downgraded = downgradeTo(downgrade.get(), choice, features);
            if (downgraded != choice) {
                downgradedFrom = choice.model();
                choice = downgraded;
                costCeiling = cost(choice.model(), features);
            }
        }
        List<RoutePlan.Candidate> candidates = new ArrayList<>();
        // a downgrade's target is a fallback too (UsageEvent.fallback): not what the agent would have got
        candidates.add(new RoutePlan.Candidate(choice.model(), downgradedFrom != null, choice.reason(), downgradedFrom,
                downgradedFrom != null ? RoutePlan.Via.DOWNGRADE : RoutePlan.Via.CHOICE));
        Set<String> seen = new LinkedHashSet<>();
        seen.add(choice.model());
        contextWindowFallback(choice.model(), features, costCeiling)
                .filter(c -> seen.add(c.model()))
                .ifPresent(candidates::add);
        for (String fallback : settings.get().fallbackChains().getOrDefault(choice.model(), List.of())) {
            if (usableFallback(fallback, features, costCeiling) && seen.add(fallback)) {
                candidates.add(new RoutePlan.Candidate(fallback, true, "fallback of " + choice.model(), null,
                        RoutePlan.Via.FALLBACK_CHAIN));
            }
        }
        String local = settings.get().localFallback();
        if (local != null && !local.isBlank() && usableFallback(local, features, costCeiling) && seen.add(local)) {
            candidates.add(new RoutePlan.Candidate(local, true, "local fallback", null, RoutePlan.Via.LOCAL_FALLBACK));
        }
        String tier = models.model(choice.model()).map(ModelInfo::tier).orElse(null);
        Complexity complexity = choice.complexity();
        return new RoutePlan(candidates, choice.reason(), complexity == null ? null : complexity.score(), tier,
                complexity == null ? null : complexity.features());
    }

    @Override
    public boolean resolvesAlias(String requestedModel) {
        return isAuto(requestedModel) || models.model(requestedModel).isEmpty() && models.isTier(requestedModel);
    }

    /** {@code complexity} is null when the agent named a model. */
    private record Choice(String model, String reason, Complexity complexity) {
    }

    /**
     * When the chosen model's context window cannot hold the prompt plus {@code max_tokens}: the
     * cheapest model of its tier that can, else of the nearest higher complexity tier that has one,
     * never dearer than a downgrade allows. Empty when the choice fits or nothing does (the request
     * path then answers the context error of the choice).
     */
    private Optional<RoutePlan.Candidate> contextWindowFallback(String chosen, PromptFeatures features,
                                                                Long costCeiling) {
        Optional<ModelInfo> model = models.model(chosen);
        if (model.isEmpty() || model.get().fits(features) || model.get().tier() == null) {
            return Optional.empty();
        }
        String tier = model.get().tier();
        List<String> order = settings.get().complexityTiers().stream().map(TollgateConfig.ComplexityTier::tier).toList();
        List<String> tiers = new ArrayList<>(List.of(tier));
        int at = order.indexOf(tier);
        if (at >= 0) {
            tiers.addAll(order.subList(at + 1, order.size()));
        }
        for (String t : tiers) {
            Optional<ModelInfo> best = cheapestFitting(t, features)
                    .filter(m -> usableFallback(m.id(), features, costCeiling));
            if (best.isPresent()) {
                return Optional.of(new RoutePlan.Candidate(best.get().id(), true,
                        "context window: " + chosen + " too small -> " + best.get().id(), null,
                        RoutePlan.Via.CONTEXT_WINDOW));
            }
        }
        return Optional.empty();
    }

    private Choice byComplexity(String requested, PromptFeatures features) {
        Complexity complexity = scorer.score(features);
        List<String> order = settings.get().complexityTiers().stream().map(TollgateConfig.ComplexityTier::tier).toList();
        if (!isAuto(requested)) {
            int named = order.indexOf(requested);
            List<String> tiers = named < 0 ? List.of(requested) : order.subList(named, order.size());
            return cheapestIn(tiers, features, "tier " + requested + " requested", complexity);
        }
        if (order.isEmpty()) {
            throw new IllegalStateException("model 'auto' asked for but routing.complexity_tiers is empty; "
                    + "configure at least one tier with a max_score");
        }
        int byScore = order.size() - 1;
        for (int i = 0; i < order.size(); i++) {
            if (complexity.score() <= settings.get().complexityTiers().get(i).maxScore()) {
                byScore = i;
                break;
            }
        }
        String why = "auto: complexity " + String.format(Locale.ROOT, "%.2f", complexity.score()) + " -> tier "
                + order.get(byScore);
        return cheapestIn(order.subList(byScore, order.size()), features, why, complexity);
    }

    /** The cheapest model that fits, in the first of {@code tiers} that has one. */
    private Choice cheapestIn(List<String> tiers, PromptFeatures features, String why, Complexity complexity) {
        for (String tier : tiers) {
            Optional<ModelInfo> best = cheapestFitting(tier, features);
            if (best.isPresent()) {
                String suffix = tier.equals(tiers.get(0)) ? "" : " (no model of tier " + tiers.get(0) + " fits, took "
                        + tier + ")";
                return new Choice(best.get().id(), why + suffix, complexity);
            }
        }
        // nothing fits: serve the largest context, so the request path reports the context error
        Optional<ModelInfo> largest = tiers.stream().flatMap(t -> models.modelsOfTier(t).stream())
                .max(Comparator.comparing((ModelInfo m) -> m.contextWindow() == null ? Integer.MAX_VALUE : m.contextWindow())
                        .thenComparing(ModelInfo::id, Comparator.reverseOrder()));
        if (largest.isEmpty()) {
            throw new IllegalStateException("tier(s) " + tiers + " have no models; check the models' tier in tollgate.yaml");
        }
        return new Choice(largest.get().id(), why + " (no model fits " + features.promptTokens() + "+"
                + features.requestedMaxTokens() + " tokens; largest context)", complexity);
    }

    private Optional<ModelInfo> cheapestFitting(String tier, PromptFeatures features) {
        return models.modelsOfTier(tier).stream()
                .filter(m -> m.fits(features))
                .min(Comparator.comparing((ModelInfo m) -> m.estimatedCost(features),
                        Comparator.nullsLast(Comparator.naturalOrder())).thenComparing(ModelInfo::id));
    }

    private Choice downgradeTo(RoutingCommand command, Choice current, PromptFeatures features) {
        String target = command.getDowngradeTo();
        String scope = Keys.scope(command.getScopeType(), command.getScopeId());
        String why = "downgrade by command " + command.getCommandId() + " on " + scope + ": " + command.getReason();
        String model;
        if (models.model(target).isEmpty() && models.isTier(target)) {
            Optional<ModelInfo> best = cheapestFitting(target, features);
            if (best.isEmpty()) {
                return current; // nothing of that tier fits this prompt: serving it would only fail
            }
            model = best.get().id();
        } else {
            model = target;
        }
        if (model.equals(current.model())) {
            return current;
        }
        Long targetCost = cost(model, features);
        Long currentCost = cost(current.model(), features);
        if (targetCost != null && currentCost != null && currentCost <= targetCost) {
            return current; // already no dearer than what the command asks for
        }
        return new Choice(model, why, current.complexity());
    }

    private boolean usableFallback(String model, PromptFeatures features, Long costCeiling) {
        if (!fits(model, features)) {
            return false;
        }
        Long cost = cost(model, features);
        return costCeiling == null || cost == null || cost <= costCeiling;
    }

    private boolean fits(String model, PromptFeatures features) {
        return models.model(model).map(m -> m.fits(features)).orElse(true);
    }

    private Long cost(String model, PromptFeatures features) {
        return models.model(model).map(m -> m.estimatedCost(features)).orElse(null);
    }

    private static boolean isAuto(String model) {
        return AUTO.equalsIgnoreCase(model);
    }
}
