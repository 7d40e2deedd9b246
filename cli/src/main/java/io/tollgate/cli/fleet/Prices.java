package io.tollgate.cli.fleet;

import io.tollgate.policy.price.Cost;
import io.tollgate.policy.price.Price;
import io.tollgate.schemas.policy.TollgateConfig;
import java.util.HashMap;
import java.util.Map;

/**
 * The price table of the policy file applied per call with the policy module's formula ({@link Cost}), so the
 * fleet knows what its own calls cost independently of the services that meter them.
 */
public final class Prices {

    private final Map<String, Price> byModel = new HashMap<>();

    public Prices(TollgateConfig config) {
        for (TollgateConfig.Model m : config.models()) {
            long input = orZero(m.inputPriceMicrosPerMillion());
            long cached = m.cachedInputPriceMicrosPerMillion() == null ? input : m.cachedInputPriceMicrosPerMillion();
            byModel.put(m.id(), Price.of(input, cached, orZero(m.outputPriceMicrosPerMillion())));
        }
    }

    /** Cost in micro-dollars of one call as its usage reported it; a model without a price in the file costs 0. */
    public long costMicros(String model, long promptTokens, long cachedPromptTokens, long completionTokens) {
        return Cost.micros(promptTokens, Math.min(cachedPromptTokens, promptTokens), completionTokens, 0,
                byModel.getOrDefault(model, Price.FREE));
    }

    public long costMicros(String model, long promptTokens, long completionTokens) {
        return costMicros(model, promptTokens, 0, completionTokens);
    }

    private static long orZero(Long v) {
        return v == null ? 0 : v;
    }
}
