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
