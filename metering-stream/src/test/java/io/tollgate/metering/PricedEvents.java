package io.tollgate.metering;

import io.tollgate.policy.price.Cost;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;

/**
 * Test data: gives an event the prices under which its costs are what the test wrote ({@link Cost}'s formula, as
 * metering's plausibility check demands), so a test can say "this call reserved 10 and cost 5" without working out
 * prices. The reservation is priced by the input price (or the output price when nothing is reserved for the
 * prompt); a RESPONSE's actual cost by whichever price its actual tokens leave free (cached input first).
 */
public final class PricedEvents {

    private static final long MILLION = 1_000_000;

    private PricedEvents() {
    }

    public static UsageEvent priced(UsageEvent e) {
        long in = 0;
        long cachedIn = 0;
        long out = 0;
        long p = e.getReservedPromptTokens();
        long k = e.getReservedCompletionTokens();
        long c = e.getReservedCostMicros();
        if (c > 0 && p > 0) {
            in = c * MILLION / p;
        } else if (c > 0 && k > 0) {
            out = c * MILLION / k;
        }
        if (e.getPhase() == Phase.RESPONSE) {
            long uncached = e.getPromptTokens() - e.getCachedPromptTokens();
            long cached = e.getCachedPromptTokens();
            long completion = e.getCompletionTokens();
            long rest = e.getCostMicros() * MILLION - (uncached * in + completion * out);
            if (rest > 0 && cached > 0) {
                cachedIn = rest / cached;
            } else if (rest > 0 && uncached > 0 && in == 0) {
                in = rest / uncached;
            } else if (rest > 0 && completion > 0 && out == 0 && k == 0) {
                out = rest / completion;
            }
        }
        UsageEvent priced = UsageEvent.newBuilder(e).setInputPriceMicrosPerMillion(in)
                .setCachedInputPriceMicrosPerMillion(cachedIn).setOutputPriceMicrosPerMillion(out).build();
        long reserved = Cost.micros(p, 0, k, in, cachedIn, out);
        long actual = Cost.micros(e.getPromptTokens(), e.getCachedPromptTokens(), e.getCompletionTokens(), in, cachedIn, out);
        if (reserved != c || (e.getPhase() == Phase.RESPONSE && actual != e.getCostMicros())) {
            throw new IllegalArgumentException("no prices give event " + e.getEventId() + " a reserved cost of " + c
                    + " for " + p + "/" + k + " tokens and an actual cost of " + e.getCostMicros() + " for "
                    + e.getPromptTokens() + " (" + e.getCachedPromptTokens() + " cached)/" + e.getCompletionTokens()
                    + " tokens; found " + reserved + " and " + actual + "; give the RESPONSE cached prompt tokens");
        }
        return priced;
    }
}
