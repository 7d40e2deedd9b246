package io.tollgate.gateway.catalog;

import io.tollgate.policy.records.PolicyRecords;
import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.schemas.avro.ModelPolicy;
import io.tollgate.schemas.avro.Policy;
import java.util.Collection;

/**
 * The models of the policy ({@code model:<id>} records of {@code tollgate.policies.v1}, i.e. the
 * {@code models:} section of the tollgate.yaml that {@code tollgate policy apply} published). Read live from the
 * gateway's {@link PolicySnapshot}: a model added or changed by {@code policy apply} is served without a restart
 * once the catalog is invalidated. Values are labelled {@code config <file>}, the file the record came from.
 */
public final class PolicyModelSource implements ModelSource {

    private final PolicySnapshot policies;

    public PolicyModelSource(PolicySnapshot policies) {
        this.policies = policies;
    }

    @Override
    public String name() {
        return "config";
    }

    @Override
    public ModelFacts lookup(String modelId) {
        Policy record = policies.get(PolicyRecords.modelKey(modelId));
        if (record == null || !(record.getPolicy() instanceof ModelPolicy m)) {
            return ModelFacts.NONE;
        }
        return new ModelFacts(m.getContextWindow(), m.getMaxOutputTokens(), m.getTokenizer(),
                m.getInputPriceMicrosPerMillion(), m.getOutputPriceMicrosPerMillion(),
                m.getCachedInputPriceMicrosPerMillion(), m.getTier(), m.getProvider(), m.getUpstreamName());
    }

    /** The label of a model's values: {@code config tollgate.yaml} for a record published from that file. */
    @Override
    public String name(String modelId) {
        Policy record = policies.get(PolicyRecords.modelKey(modelId));
        return record == null || record.getSource().isEmpty() ? name() : name() + " " + record.getSource();
    }

    @Override
    public Collection<String> knownModels() {
        return policies.models().stream().map(ModelPolicy::getId).toList();
    }
}
