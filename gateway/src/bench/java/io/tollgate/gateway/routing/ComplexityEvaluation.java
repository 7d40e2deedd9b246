package io.tollgate.gateway.routing;

import io.tollgate.policy.price.Cost;
import io.tollgate.schemas.policy.PolicyFileParser;
import io.tollgate.schemas.policy.TollgateConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Routes the held-out test split of the labelled prompts with {@code model: "auto"} through the
 * gateway's own {@link PolicyRouter} (shipped complexity model, models, prices and
 * {@code routing.complexity_tiers} of {@code tollgate.yaml}) and prints: the confusion matrix
 * (label x routed tier), exact-tier accuracy, the share of hard prompts sent to the small tier and
 * of easy prompts sent to the large tier, and the cost of the routed set against "always large",
 * "always small" and the labels' own tiers. A benchmark, not a test: run it from the repository root.
 *
 * <pre>
 * java -cp gateway/target/bench-classes:$CP io.tollgate.gateway.routing.ComplexityEvaluation [train|test] [policy file]
 * </pre>
 *
 * <p>Cost of one prompt: its o200k_base prompt tokens at the model's input price plus an assumed
 * completion length at its output price, in integer micro-dollars ({@link Cost}). The completion
 * length depends on the task, not on the model: {@value #EASY_COMPLETION} tokens for an easy
 * prompt, {@value #MEDIUM_COMPLETION} for a medium one, {@value #HARD_COMPLETION} for a hard one.
 */
public final class ComplexityEvaluation {

    static final int EASY_COMPLETION = 150;
    static final int MEDIUM_COMPLETION = 700;
    static final int HARD_COMPLETION = 2_000;

    private static final Caller CALLER = new Caller("k-eval", "eval", "eval", "eval", "tier1", null);

    private ComplexityEvaluation() {
    }

    public static void main(String[] args) {
        boolean test = args.length == 0 || args[0].equals("test");
        Path policy = Path.of(args.length > 1 ? args[1] : "tollgate.yaml");
        TollgateConfig config = PolicyFileParser.parse(policy);
        ModelDirectory models = ConfigModelDirectory.of(config);
        PolicyRouter router = new PolicyRouter(models, new CommandView(), new ComplexityScorer(),
                PolicyRouter.Settings.from(config.routing()), () -> 0L);
        List<String> tiers = config.routing().complexityTiers().stream().map(TollgateConfig.ComplexityTier::tier).toList();
        if (tiers.size() != 3) {
            throw new IllegalArgumentException(policy + " has complexity tiers " + tiers
                    + "; the evaluation maps easy/medium/hard onto exactly three tiers");
        }
        List<LabelledPrompts.Prompt> prompts = LabelledPrompts.load().stream().filter(p -> p.test() == test).toList();

        int[][] confusion = new int[3][3];
        long routed = 0;
        long oracle = 0;
        long[] always = new long[3];
        Map<String, int[]> byLanguage = new TreeMap<>();
        Map<String, int[]> byCategory = new TreeMap<>();
        List<String> misrouted = new ArrayList<>();
        for (LabelledPrompts.Prompt p : prompts) {
            RoutePlan plan = router.plan(CALLER, "auto", p.features());
            int label = p.label().ordinal();
            int tier = tiers.indexOf(plan.tier());
            confusion[label][tier]++;
            int completion = switch (p.label()) {
                case EASY -> EASY_COMPLETION;
                case MEDIUM -> MEDIUM_COMPLETION;
                case HARD -> HARD_COMPLETION;
            };
            routed += cost(models, plan, p, completion);
            oracle += cost(models, router.plan(CALLER, tiers.get(label), p.features()), p, completion);
            for (int t = 0; t < 3; t++) {
                always[t] += cost(models, router.plan(CALLER, tiers.get(t), p.features()), p, completion);
            }
            tally(byLanguage, p.language(), label == tier);
            tally(byCategory, p.category(), label == tier);
            if (label != tier) {
                misrouted.add(String.format(Locale.ROOT, "  %-14s %-3s %-6s -> %-6s score %.2f  %s", p.id(), p.language(),
                        p.label(), plan.tier(), plan.complexityScore(), plan.routingFeatures()));
            }
        }

        System.out.printf(Locale.ROOT, "%s split: %d prompts, policy %s, tiers %s%n", test ? "held-out test" : "train",
                prompts.size(), policy, config.routing().complexityTiers());
        System.out.println();
        System.out.printf(Locale.ROOT, "confusion (rows: label, columns: routed tier)%n");
        System.out.printf(Locale.ROOT, "  %-8s %7s %7s %7s%n", "", tiers.get(0), tiers.get(1), tiers.get(2));
        for (LabelledPrompts.Label l : LabelledPrompts.Label.values()) {
            int[] row = confusion[l.ordinal()];
            System.out.printf(Locale.ROOT, "  %-8s %7d %7d %7d%n", l.name().toLowerCase(Locale.ROOT), row[0], row[1], row[2]);
        }
        int correct = confusion[0][0] + confusion[1][1] + confusion[2][2];
        System.out.println();
        System.out.printf(Locale.ROOT, "exact-tier accuracy     %5.1f %% (%d of %d)%n", 100.0 * correct / prompts.size(),
                correct, prompts.size());
        System.out.printf(Locale.ROOT, "hard -> %-6s          %5.1f %% (%d of %d)%n", tiers.get(0),
                share(confusion[2], 0), confusion[2][0], sum(confusion[2]));
        System.out.printf(Locale.ROOT, "easy -> %-6s          %5.1f %% (%d of %d)%n", tiers.get(2),
                share(confusion[0], 2), confusion[0][2], sum(confusion[0]));
        System.out.println();
        System.out.printf(Locale.ROOT, "cost of the set (prompt tokens counted, completions assumed %d/%d/%d tokens "
                + "for easy/medium/hard):%n", EASY_COMPLETION, MEDIUM_COMPLETION, HARD_COMPLETION);
        System.out.printf(Locale.ROOT, "  routed by auto          %s%n", dollars(routed, always[2]));
        System.out.printf(Locale.ROOT, "  always %-6s          %s%n", tiers.get(2), dollars(always[2], always[2]));
        System.out.printf(Locale.ROOT, "  always %-6s          %s%n", tiers.get(1), dollars(always[1], always[2]));
        System.out.printf(Locale.ROOT, "  always %-6s          %s%n", tiers.get(0), dollars(always[0], always[2]));
        System.out.printf(Locale.ROOT, "  each at its label's tier %s%n", dollars(oracle, always[2]));
        System.out.println();
        System.out.println("accuracy by language: " + rates(byLanguage));
        System.out.println("accuracy by category: " + rates(byCategory));
        System.out.println();
        System.out.println("misrouted (label -> tier, score, deciding features):");
        misrouted.forEach(System.out::println);
    }

    private static long cost(ModelDirectory models, RoutePlan plan, LabelledPrompts.Prompt p, int completion) {
        ModelInfo model = models.model(plan.candidates().get(0).model()).orElseThrow();
        return Cost.micros(p.promptTokens(), 0, completion, model.inputPriceMicrosPerMillion(), 0,
                model.outputPriceMicrosPerMillion());
    }

    private static void tally(Map<String, int[]> map, String key, boolean correct) {
        int[] t = map.computeIfAbsent(key, k -> new int[2]);
        t[0] += correct ? 1 : 0;
        t[1]++;
    }

    private static String rates(Map<String, int[]> map) {
        StringBuilder b = new StringBuilder();
        map.forEach((k, t) -> b.append(String.format(Locale.ROOT, "%s %.0f %% (%d/%d)  ", k, 100.0 * t[0] / t[1], t[0], t[1])));
        return b.toString().strip();
    }

    private static double share(int[] row, int column) {
        return 100.0 * row[column] / sum(row);
    }

    private static int sum(int[] row) {
        return row[0] + row[1] + row[2];
    }

    private static String dollars(long micros, long large) {
        return String.format(Locale.ROOT, "$%.6f  (%5.1f %% of always large)", micros / 1e6, 100.0 * micros / large);
    }
}
