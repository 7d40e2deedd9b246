package io.tollgate.gateway.upstream;

import io.tollgate.schemas.policy.TollgateConfig;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The configured upstreams by name; closing them stops their HTTP clients. */
public final class Providers implements AutoCloseable {

    private final Map<String, Provider> byName = new LinkedHashMap<>();

    public Providers(List<Provider> providers) {
        providers.forEach(p -> byName.put(p.name(), p));
    }

    public static Providers fromConfig(List<TollgateConfig.Provider> config) {
        return new Providers(config.stream()
                .map(p -> new Provider(p.name(), p.baseUrl(), p.apiKeys(),
                        Duration.ofMillis(p.connectTimeoutMs() > 0 ? p.connectTimeoutMs() : 2_000),
                        Duration.ofMillis(p.requestTimeoutMs() > 0 ? p.requestTimeoutMs() : 60_000)))
                .toList());
    }

    public Optional<Provider> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Collection<Provider> all() {
        return byName.values();
    }

    @Override
    public void close() {
        byName.values().forEach(Provider::close);
    }
}
