package io.tollgate.schemas.policy;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What the policy file declares, in file order, so later sections can check their references and
 * list the valid names when one is wrong. Filled section by section while parsing.
 */
final class DeclaredNames {

    private final Set<String> providers = new LinkedHashSet<>();
    private final Set<String> models = new LinkedHashSet<>();
    private final Set<String> modelTiers = new LinkedHashSet<>();
    private final Set<String> tiers = new LinkedHashSet<>();
    private final Set<String> tenants = new LinkedHashSet<>();
    private final Set<String> teams = new LinkedHashSet<>();
    private final Set<String> agents = new LinkedHashSet<>();
    private final Set<String> keys = new LinkedHashSet<>();

    void addProvider(String name) {
        providers.add(name);
    }

    void addModel(String id, String modelTier) {
        models.add(id);
        if (modelTier != null) {
            modelTiers.add(modelTier);
        }
    }

    void addTier(String name) {
        tiers.add(name);
    }

    void addTenant(String name) {
        tenants.add(name);
    }

    /** A key declares its id, and the tenant, team and agent it is attributed to. */
    void addKey(TollgateConfig.ApiKey key) {
        keys.add(key.id());
        tenants.add(key.tenant());
        teams.add(key.team());
        agents.add(key.agent());
    }

    /**
     * The id of a budget scope, checked against what the file declares, so a typo cannot silently budget
     * nothing: tenants (of {@code tenants} and of keys), teams and agents (of keys), key ids, sub-agents
     * {@code <declared agent>/<name>}; conversations are created by agents, so any id, or {@code *} for
     * every conversation, is accepted.
     */
    String budgetScopeId(PolicyNode node, String scopeType, String scopeId) {
        return switch (scopeType) {
            case "tenant" -> declared(node, scopeId, tenants, "tenant", "tenants (tenants[] and keys[].tenant)");
            case "team" -> declared(node, scopeId, teams, "team", "teams (keys[].team)");
            case "agent" -> declared(node, scopeId, agents, "agent", "agents (keys[].agent)");
            case "api_key" -> declared(node, scopeId, keys, "key", "keys (keys[].id)");
            case "sub_agent" -> {
                int slash = scopeId.indexOf('/');
                if (slash <= 0 || slash == scopeId.length() - 1) {
                    throw node.error("sub-agent scope '" + scopeId + "' is not <agent>/<sub-agent>, e.g. sub_agent:planner/summarizer");
                }
                declared(node, scopeId.substring(0, slash), agents, "agent", "agents (keys[].agent)");
                yield scopeId;
            }
            default -> scopeId;
        };
    }

    private static String declared(PolicyNode node, String id, Set<String> known, String what, String listing) {
        if (!known.contains(id)) {
            throw node.error("unknown " + what + " '" + id + "' in the budget scope; declared " + listing + ": "
                    + PolicyNode.listing(known));
        }
        return id;
    }

    Set<String> models() {
        return Collections.unmodifiableSet(models);
    }

    Set<String> modelTiers() {
        return Collections.unmodifiableSet(modelTiers);
    }

    String provider(PolicyNode node) {
        return node.reference(providers, "provider", "providers");
    }

    String model(PolicyNode node) {
        return node.reference(models, "model", "models");
    }

    /** A model tier (the {@code tier} of some model, e.g. {@code small}). */
    String modelTier(PolicyNode node) {
        return node.reference(modelTiers, "model tier", "model tiers");
    }

    /** A rate tier of the {@code tiers} section. */
    String tier(PolicyNode node) {
        return node.reference(tiers, "tier", "tiers");
    }

    /** A model id or {@code "*"} (all models). */
    String modelOrAll(PolicyNode node) {
        String model = node.string().trim();
        if (model.equals("*") || models.contains(model)) {
            return model;
        }
        throw node.error("unknown model '" + model + "'; expected \"*\" (all models) or one of the models: "
                + PolicyNode.listing(models));
    }

    /** What a downgrade serves instead: a model id or a model tier. */
    String modelOrModelTier(PolicyNode node) {
        String target = node.string().trim();
        if (!models.contains(target) && !modelTiers.contains(target)) {
            throw node.error("unknown downgrade target '" + target + "'; known models: " + PolicyNode.listing(models)
                    + "; known model tiers: " + PolicyNode.listing(modelTiers));
        }
        return target;
    }
}
