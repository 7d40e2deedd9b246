package io.tollgate.schemas.policy;

import io.tollgate.schemas.policy.PolicyNode.Mapping;
import io.tollgate.schemas.policy.TollgateConfig.Budget;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads one entry of {@code budgets}: scope, period, limits in dollars, thresholds and action. */
final class BudgetSection {

    static final List<String> KEYS = List.of("scope", "period", "zone", "limit_usd", "hard_limit_usd",
            "thresholds", "action", "downgrade_to");
    static final List<String> SCOPES = List.of("tenant", "team", "agent", "api_key", "conversation", "sub_agent");
    static final List<String> PERIODS = List.of("day", "month", "lifetime");
    static final List<String> ACTIONS = List.of("alert", "downgrade", "block");
    static final List<Integer> DEFAULT_THRESHOLDS = List.of(50, 80, 100);

    private BudgetSection() {
    }

    static Budget read(PolicyNode node, DeclaredNames names) {
        Mapping map = node.mapping(KEYS);
        PolicyNode scopeNode = map.required("scope");
        String scope = scopeNode.string().trim();
        int colon = scope.indexOf(':');
        String scopeType = colon < 0 ? scope : scope.substring(0, colon);
        String scopeId = colon < 0 ? "" : scope.substring(colon + 1);
        if (colon < 0 || !SCOPES.contains(scopeType) || scopeId.isBlank()) {
            throw scopeNode.error("scope '" + scope + "' is not <scope>:<id> with scope one of "
                    + String.join(", ", SCOPES) + " (e.g. team:research)");
        }
        names.budgetScopeId(scopeNode, scopeType, scopeId);
        PolicyNode periodNode = map.required("period");
        String period = periodNode.oneOf(PERIODS, "period");
        if (scopeType.equals("conversation") && !period.equals("lifetime")) {
            throw periodNode.error("conversation budgets have period lifetime (a conversation has no calendar), got '"
                    + period + "'");
        }
        String zone = map.optional("zone").map(PolicyNode::zone).orElse(null);
        PolicyNode limitNode = map.required("limit_usd");
        long limit = limitNode.micros();
        Optional<PolicyNode> hardNode = map.optional("hard_limit_usd");
        Long hard = hardNode.map(PolicyNode::micros).orElse(null);
        if (hard != null && hard < limit) {
            throw hardNode.get().error("hard_limit_usd " + hardNode.get().text().trim()
                    + " is below limit_usd " + limitNode.text().trim() + "; the hard limit must be at least the limit");
        }
        List<Integer> thresholds = map.optional("thresholds").map(BudgetSection::thresholds).orElse(DEFAULT_THRESHOLDS);
        String action = map.optional("action").map(n -> n.oneOf(ACTIONS, "action")).orElse("alert");
        return new Budget(scopeType, scopeId, period, zone, limit, hard, thresholds, action,
                downgradeTo(node, map, action, names));
    }

    private static String downgradeTo(PolicyNode node, Mapping map, String action, DeclaredNames names) {
        Optional<PolicyNode> target = map.optional("downgrade_to");
        if (action.equals("downgrade")) {
            return names.modelOrModelTier(target.orElseThrow(() -> new PolicyFileException(node.source().file(),
                    node.line(), node.path() + ".downgrade_to",
                    "action downgrade needs downgrade_to naming a model (" + PolicyNode.listing(names.models())
                            + ") or a model tier (" + PolicyNode.listing(names.modelTiers()) + ")")));
        }
        if (target.isPresent()) {
            throw target.get().error("downgrade_to is only used with action: downgrade (this budget's action is "
                    + action + ")");
        }
        return null;
    }

    private static List<Integer> thresholds(PolicyNode node) {
        List<PolicyNode> items = node.list();
        if (items.isEmpty()) {
            throw node.error("thresholds must list at least one percentage (1..1000), e.g. [50, 80, 100]");
        }
        List<Integer> values = new ArrayList<>();
        for (PolicyNode item : items) {
            int value = item.integer(1, 1000);
            if (!values.isEmpty() && value <= values.get(values.size() - 1)) {
                throw item.error("thresholds must be strictly ascending; " + value + " follows "
                        + values.get(values.size() - 1));
            }
            values.add(value);
        }
        return values;
    }
}
