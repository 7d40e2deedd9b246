package io.tollgate.cli.fleet;

import io.tollgate.schemas.policy.TollgateConfig;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;

/**
 * The price table of the policy file, applied per call as the gateway documents it:
 * round-half-up((prompt x input + completion x output) / 1e6) micro-dollars, prices in micro-dollars
 * per million tokens. The fleet uses it to know what its own calls cost, independently of the services.
 */
public final class Prices {

    private record Price(long input, long output) {
    }

    private final Map<String, Price> byModel = new HashMap<>();

    public Prices(TollgateConfig config) {
        for (TollgateConfig.Model m : config.models()) {
            byModel.put(m.id(), new Price(orZero(m.inputPriceMicrosPerMillion()), orZero(m.outputPriceMicrosPerMillion())));
        }
    }

    /** Cost in micro-dollars of one call; a model without a price in the file costs 0. */
    public long costMicros(String model, long promptTokens, long completionTokens) {
        Price p = byModel.getOrDefault(model, new Price(0, 0));
        BigInteger numerator = BigInteger.valueOf(promptTokens).multiply(BigInteger.valueOf(p.input()))
                .add(BigInteger.valueOf(completionTokens).multiply(BigInteger.valueOf(p.output())));
        return new BigDecimal(numerator).divide(BigDecimal.valueOf(1_000_000), 0, RoundingMode.HALF_UP).longValueExact();
    }

    private static long orZero(Long v) {
        return v == null ? 0 : v;
    }
}
