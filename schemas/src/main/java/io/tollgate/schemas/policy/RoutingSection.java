package io.tollgate.schemas.policy;

import io.tollgate.schemas.policy.PolicyNode.Mapping;
import io.tollgate.schemas.policy.TollgateConfig.ComplexityTier;
import io.tollgate.schemas.policy.TollgateConfig.Routing;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads {@code routing}: fallback chains, the local fallback, complexity tiers and auto-wait. */
final class RoutingSection {

    static final List<String> KEYS =
            List.of("fallback_chains", "local_fallback", "complexity_tiers", "auto_wait", "max_wait_seconds");
    static final List<String> COMPLEXITY_TIER_KEYS = List.of("tier", "max_score");
    static final double DEFAULT_MAX_WAIT_SECONDS = 10;

    private RoutingSection() {
    }

    /** Routing when the file has no {@code routing} section. */
    static Routing defaults() {
        return new Routing(Map.of(), null, List.of(), false, DEFAULT_MAX_WAIT_SECONDS);
    }

    static Routing read(PolicyNode node, DeclaredNames names) {
        Mapping map = node.mapping(KEYS);
        Map<String, List<String>> chains = map.optional("fallback_chains").map(n -> chains(n, names)).orElse(Map.of());
        String localFallback = map.optional("local_fallback").map(names::model).orElse(null);
        List<ComplexityTier> complexity = complexityTiers(map.optional("complexity_tiers"), names);
        boolean autoWait = map.optional("auto_wait").map(PolicyNode::bool).orElse(false);
        double maxWait = map.optional("max_wait_seconds").map(n -> n.decimal(BigDecimal.ZERO, null).doubleValue())
                .orElse(DEFAULT_MAX_WAIT_SECONDS);
        return new Routing(chains, localFallback, complexity, autoWait, maxWait);
    }

    private static Map<String, List<String>> chains(PolicyNode node, DeclaredNames names) {
        Map<String, List<String>> chains = new LinkedHashMap<>();
        node.entries().values().forEach((model, chainNode) -> {
            if (!names.models().contains(model)) {
                throw chainNode.error("fallback chain for unknown model '" + model + "'; known models: "
                        + PolicyNode.listing(names.models()));
            }
            List<String> chain = new ArrayList<>();
            for (PolicyNode step : chainNode.list()) {
                String target = names.model(step);
                if (target.equals(model) || chain.contains(target)) {
                    throw step.error("model '" + target + "' appears twice in the fallback chain of '" + model + "'");
                }
                chain.add(target);
            }
            chains.put(model, List.copyOf(chain));
        });
        return chains;
    }

    private static List<ComplexityTier> complexityTiers(Optional<PolicyNode> node, DeclaredNames names) {
        List<ComplexityTier> tiers = new ArrayList<>();
        for (PolicyNode item : node.map(PolicyNode::list).orElse(List.of())) {
            Mapping tier = item.mapping(COMPLEXITY_TIER_KEYS);
            String name = names.modelTier(tier.required("tier"));
            PolicyNode scoreNode = tier.required("max_score");
            double score = scoreNode.decimal(BigDecimal.ZERO, BigDecimal.ONE).doubleValue();
            if (!tiers.isEmpty() && score <= tiers.get(tiers.size() - 1).maxScore()) {
                throw scoreNode.error("complexity tiers must have strictly ascending max_score; " + score
                        + " follows " + tiers.get(tiers.size() - 1).maxScore());
            }
            tiers.add(new ComplexityTier(name, score));
        }
        return tiers;
    }
}
