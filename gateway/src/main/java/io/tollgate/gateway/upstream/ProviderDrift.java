package io.tollgate.gateway.upstream;

import io.tollgate.policy.records.PolicyRecords;
import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.ProviderPolicy;
import io.tollgate.schemas.policy.TollgateConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the providers this gateway runs with (its own tollgate.yaml, read at start: they hold the providers'
 * secrets) are the ones the policy topic describes ({@code provider:<name>}, published by {@code tollgate policy
 * apply} with a digest of the secrets instead of the secrets). A difference cannot be applied live; it is logged
 * once per change and shown in {@code /admin/stats} as needing a restart with the new file.
 */
public final class ProviderDrift {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderDrift.class);

    private final Map<String, ProviderPolicy> running = new TreeMap<>();
    private volatile Map<String, String> drift = Map.of();

    public ProviderDrift(List<TollgateConfig.Provider> providers) {
        providers.forEach(p -> running.put(p.name(), PolicyRecords.providerPolicy(p)));
    }

    /** Compares the running providers with the topic's provider records and reports what changed. */
    public synchronized void check(PolicySnapshot policies) {
        Map<String, String> found = new TreeMap<>();
        for (Map.Entry<String, Policy> record : policies.records().entrySet()) {
            if (!(record.getValue().getPolicy() instanceof ProviderPolicy published)) {
                continue;
            }
            ProviderPolicy mine = running.get(published.getName());
            if (mine == null) {
                found.put(published.getName(), "published but not configured in this gateway");
            } else if (!Objects.equals(mine, published)) {
                found.put(published.getName(), "differs from this gateway's configuration ("
                        + differences(mine, published) + ")");
            }
        }
        if (!found.equals(drift)) {
            found.forEach((name, why) -> LOG.warn("provider '{}' on {} {}: restart this gateway with the new "
                    + "tollgate.yaml (and the provider's API keys) to apply it", name,
                    io.tollgate.schemas.Topics.POLICIES, why));
        }
        drift = Map.copyOf(found);
    }

    /** Per provider: whether a restart is needed to serve what the policy topic describes, and why. */
    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        running.keySet().forEach(name -> out.put(name, drift.containsKey(name)
                ? Map.of("restartNeeded", true, "why", drift.get(name)) : Map.of("restartNeeded", false)));
        drift.forEach((name, why) -> out.putIfAbsent(name, Map.of("restartNeeded", true, "why", why)));
        return out;
    }

    private static String differences(ProviderPolicy a, ProviderPolicy b) {
        StringBuilder d = new StringBuilder();
        if (!a.getBaseUrl().equals(b.getBaseUrl())) {
            d.append("base_url");
        }
        if (a.getConnectTimeoutMs() != b.getConnectTimeoutMs() || a.getRequestTimeoutMs() != b.getRequestTimeoutMs()) {
            d.append(d.isEmpty() ? "" : ", ").append("timeouts");
        }
        if (!a.getDiscovery().equals(b.getDiscovery())) {
            d.append(d.isEmpty() ? "" : ", ").append("discovery");
        }
        if (!a.getApiKeysSha256().equals(b.getApiKeysSha256())) {
            d.append(d.isEmpty() ? "" : ", ").append("api_keys");
        }
        return d.toString();
    }
}
