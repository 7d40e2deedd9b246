package io.tollgate.schemas.policy;

import io.tollgate.schemas.policy.PolicyNode.Mapping;
import io.tollgate.schemas.policy.TollgateConfig.ApiKey;
import io.tollgate.schemas.policy.TollgateConfig.Budget;
import io.tollgate.schemas.policy.TollgateConfig.Limit;
import io.tollgate.schemas.policy.TollgateConfig.Model;
import io.tollgate.schemas.policy.TollgateConfig.Organisation;
import io.tollgate.schemas.policy.TollgateConfig.Provider;
import io.tollgate.schemas.policy.TollgateConfig.Routing;
import io.tollgate.schemas.policy.TollgateConfig.Tenant;
import io.tollgate.schemas.policy.TollgateConfig.Tier;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Reads {@code tollgate.yaml} into a {@link TollgateConfig}, validating everything a service would
 * otherwise trip over later: unknown keys, wrong types, negative limits and prices, missing fields,
 * references to unknown providers, models or tiers, budget scopes, periods, actions and thresholds,
 * time zones, key hashes and duplicate ids. The first problem found is thrown as a
 * {@link PolicyFileException} naming file, line and field path.
 *
 * <p>Scalar values may reference the environment as {@code ${VAR}} or {@code ${VAR:-default}};
 * a missing variable without default is an error. Dollar amounts become integer micro-dollars
 * exactly (at most 6 decimal places); prices are dollars per million tokens.
 */
public final class PolicyFileParser {

    private static final List<String> TOP_LEVEL =
            List.of("organisation", "tenants", "providers", "models", "tiers", "keys", "budgets", "routing");
    private static final List<String> ORGANISATION = List.of("zone", "reset_hour", "quota_warning_percent");
    private static final List<String> TENANT = List.of("name", "zone", "reset_hour");
    private static final List<String> PROVIDER =
            List.of("name", "base_url", "api_keys", "connect_timeout_ms", "request_timeout_ms", "discovery");
    private static final List<String> MODEL = List.of("id", "provider", "upstream_name", "context_window",
            "max_output_tokens", "tokenizer", "price", "tier");
    private static final List<String> PRICE = List.of("input", "output", "cached_input");
    private static final List<String> TIER = List.of("name", "limits");
    private static final List<String> LIMIT = List.of("model", "rpm", "tpm", "rpd", "tpd");
    private static final List<String> KEY = List.of("id", "hash", "tenant", "team", "agent", "tier",
            "allowed_models", "limits", "revoked");

    private static final List<String> DISCOVERY = List.of("none", "openai", "openrouter");
    private static final Pattern KEY_HASH = Pattern.compile("[0-9a-f]{64}");

    static final String DEFAULT_ZONE = "UTC";
    static final long DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
    static final long DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

    private final PolicyNode.Source source;
    private final DeclaredNames names = new DeclaredNames();

    private PolicyFileParser(String fileName, Function<String, String> env) {
        this.source = new PolicyNode.Source(fileName, env);
    }

    /** Parses a file, resolving {@code ${VAR}} from the process environment. */
    public static TollgateConfig parse(Path file) {
        return parse(file, System::getenv);
    }

    /** Parses a file, resolving {@code ${VAR}} through {@code env} (null = not set). */
    public static TollgateConfig parse(Path file, Function<String, String> env) {
        String yaml;
        try {
            yaml = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PolicyFileException(file.toString(), 0, "", "cannot read the policy file: " + e, e);
        }
        return parse(yaml, file.toString(), env);
    }

    /** Parses YAML text; {@code fileName} is used in error messages. */
    public static TollgateConfig parse(String yaml, String fileName) {
        return parse(yaml, fileName, System::getenv);
    }

    /** Parses YAML text, resolving {@code ${VAR}} through {@code env} (null = not set). */
    public static TollgateConfig parse(String yaml, String fileName, Function<String, String> env) {
        return new PolicyFileParser(fileName, env).document(compose(yaml, fileName));
    }

    private static Node compose(String yaml, String fileName) {
        LoadSettings settings = LoadSettings.builder().setLabel(fileName)
                // YAML 1.2 core schema: ~, null and empty values are null, as people expect
                .setSchema(new CoreSchema()).build();
        Optional<Node> root;
        try {
            root = new Compose(settings).composeString(yaml);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().or(e::getContextMark).map(mark -> mark.getLine() + 1).orElse(0);
            String context = e.getContext() == null ? "" : " (" + e.getContext() + ")";
            throw new PolicyFileException(fileName, line, "", "not valid YAML: " + e.getProblem() + context, e);
        } catch (YamlEngineException e) {
            throw new PolicyFileException(fileName, 0, "", "not valid YAML: " + e.getMessage(), e);
        }
        return root.orElseThrow(() -> new PolicyFileException(fileName, 0, "",
                "the file is empty; expected a mapping with the sections " + String.join(", ", TOP_LEVEL)));
    }

    private TollgateConfig document(Node rootNode) {
        PolicyNode root = new PolicyNode(rootNode, "", source);
        if (root.isNull()) {
            throw root.error("the file holds no settings; expected a mapping with the sections "
                    + String.join(", ", TOP_LEVEL));
        }
        Mapping top = root.mapping(TOP_LEVEL);
        // sections are read in dependency order, whatever their order in the file
        Organisation organisation = top.optional("organisation").map(this::organisation)
                .orElse(new Organisation(DEFAULT_ZONE, 0, 80));
        List<Tenant> tenants = list(top, "tenants", this::tenant, Tenant::name, "tenant");
        tenants.forEach(t -> names.addTenant(t.name()));
        List<Provider> providers = list(top, "providers", this::provider, Provider::name, "provider");
        providers.forEach(p -> names.addProvider(p.name()));
        List<Model> models = list(top, "models", this::model, Model::id, "model");
        models.forEach(m -> names.addModel(m.id(), m.tier()));
        List<Tier> tiers = list(top, "tiers", this::tier, Tier::name, "tier");
        tiers.forEach(t -> names.addTier(t.name()));
        List<ApiKey> keys = list(top, "keys", this::key, ApiKey::id, "key id");
        unique(top, "keys", keys, ApiKey::keyHash, "key hash", "hash");
        keys.forEach(names::addKey);
        List<Budget> budgets = list(top, "budgets", node -> BudgetSection.read(node, names),
                b -> b.scopeType() + ":" + b.scopeId() + " per " + b.period(), "budget for");
        Routing routing = top.optional("routing").map(node -> RoutingSection.read(node, names))
                .orElse(RoutingSection.defaults());
        return new TollgateConfig(organisation, tenants, providers, models, tiers, keys, budgets, routing);
    }

    private Organisation organisation(PolicyNode node) {
        Mapping map = node.mapping(ORGANISATION);
        return new Organisation(
                map.optional("zone").map(PolicyNode::zone).orElse(DEFAULT_ZONE),
                map.optional("reset_hour").map(n -> n.integer(0, 23)).orElse(0),
                map.optional("quota_warning_percent").map(n -> n.integer(1, 100)).orElse(80));
    }

    private Tenant tenant(PolicyNode node) {
        Mapping map = node.mapping(TENANT);
        return new Tenant(map.required("name").string(),
                map.optional("zone").map(PolicyNode::zone).orElse(null),
                map.optional("reset_hour").map(n -> n.integer(0, 23)).orElse(null));
    }

    private Provider provider(PolicyNode node) {
        Mapping map = node.mapping(PROVIDER);
        String name = map.required("name").string();
        PolicyNode urlNode = map.required("base_url");
        String baseUrl = urlNode.string().trim();
        checkHttpUrl(urlNode, baseUrl);
        List<String> apiKeys = new ArrayList<>();
        // values are secrets: errors about them name the position only, never the text
        map.optional("api_keys").ifPresent(list -> list.list().forEach(k -> apiKeys.add(k.string())));
        long connect = map.optional("connect_timeout_ms").map(n -> n.integer(1L, Long.MAX_VALUE))
                .orElse(DEFAULT_CONNECT_TIMEOUT_MS);
        long request = map.optional("request_timeout_ms").map(n -> n.integer(1L, Long.MAX_VALUE))
                .orElse(DEFAULT_REQUEST_TIMEOUT_MS);
        String discovery = map.optional("discovery").map(n -> n.oneOf(DISCOVERY, "discovery")).orElse("none");
        return new Provider(name, baseUrl, apiKeys, connect, request, discovery);
    }

    private Model model(PolicyNode node) {
        Mapping map = node.mapping(MODEL);
        String id = map.required("id").string();
        String provider = names.provider(map.required("provider"));
        Integer contextWindow = map.optional("context_window").map(n -> n.integer(1, Integer.MAX_VALUE)).orElse(null);
        Optional<PolicyNode> maxOutputNode = map.optional("max_output_tokens");
        Integer maxOutput = maxOutputNode.map(n -> n.integer(1, Integer.MAX_VALUE)).orElse(null);
        if (contextWindow != null && maxOutput != null && maxOutput > contextWindow) {
            throw maxOutputNode.get().error("max_output_tokens " + maxOutput + " exceeds context_window " + contextWindow);
        }
        Long input = null;
        Long output = null;
        Long cached = null;
        Optional<PolicyNode> priceNode = map.optional("price");
        if (priceNode.isPresent()) {
            Mapping price = priceNode.get().mapping(PRICE);
            input = price.optional("input").map(PolicyNode::micros).orElse(null);
            output = price.optional("output").map(PolicyNode::micros).orElse(null);
            cached = price.optional("cached_input").map(PolicyNode::micros).orElse(null);
        }
        return new Model(id, provider,
                map.optional("upstream_name").map(PolicyNode::string).orElse(null),
                contextWindow, maxOutput,
                map.optional("tokenizer").map(PolicyNode::string).orElse(null),
                input, output, cached,
                map.optional("tier").map(PolicyNode::string).orElse(null));
    }

    private Tier tier(PolicyNode node) {
        Mapping map = node.mapping(TIER);
        return new Tier(map.required("name").string(), limits(map.optional("limits")));
    }

    private List<Limit> limits(Optional<PolicyNode> node) {
        if (node.isEmpty()) {
            return List.of();
        }
        List<Limit> limits = new ArrayList<>();
        Map<String, Integer> lineByModel = new LinkedHashMap<>();
        for (PolicyNode item : node.get().list()) {
            Mapping map = item.mapping(LIMIT);
            String model = map.optional("model").map(names::modelOrAll).orElse("*");
            Integer first = lineByModel.putIfAbsent(model, item.line());
            if (first != null) {
                throw item.error("a second limit for model '" + model + "' (first at line " + first
                        + "); give each model one entry");
            }
            limits.add(new Limit(model,
                    map.optional("rpm").map(n -> n.integer(0L, Long.MAX_VALUE)).orElse(null),
                    map.optional("tpm").map(n -> n.integer(0L, Long.MAX_VALUE)).orElse(null),
                    map.optional("rpd").map(n -> n.integer(0L, Long.MAX_VALUE)).orElse(null),
                    map.optional("tpd").map(n -> n.integer(0L, Long.MAX_VALUE)).orElse(null)));
        }
        return limits;
    }

    private ApiKey key(PolicyNode node) {
        Mapping map = node.mapping(KEY);
        String id = map.required("id").string();
        PolicyNode hashNode = map.required("hash");
        String hash = hashNode.string().trim();
        if (!KEY_HASH.matcher(hash).matches()) {
            throw hashNode.error("key hash must be the SHA-256 of the secret as 64 lower-case hex characters, got "
                    + hash.length() + " characters" + (hash.matches("[0-9a-fA-F]*") ? " (upper-case hex?)" : "")
                    + "; compute it with: printf %s \"$SECRET\" | sha256sum");
        }
        String tenant = map.required("tenant").string();
        String team = map.required("team").string();
        String agent = map.required("agent").string();
        String tier = names.tier(map.required("tier"));
        List<String> allowed = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (PolicyNode model : map.optional("allowed_models").map(PolicyNode::list).orElse(List.of())) {
            String modelId = names.model(model);
            if (!seen.add(modelId)) {
                throw model.error("model '" + modelId + "' is listed twice");
            }
            allowed.add(modelId);
        }
        List<Limit> limits = limits(map.optional("limits"));
        boolean revoked = map.optional("revoked").map(PolicyNode::bool).orElse(false);
        return new ApiKey(id, hash, tenant, team, agent, tier, allowed, limits, revoked);
    }

    private static void checkHttpUrl(PolicyNode node, String url) {
        try {
            URI uri = new URI(url);
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || uri.getHost() == null) {
                throw node.error("base_url '" + url + "' is not an http(s) URL such as https://api.openai.com/v1");
            }
        } catch (URISyntaxException e) {
            throw node.error("base_url '" + url + "' is not a valid URL: " + e.getMessage());
        }
    }

    /** Reads a list section and checks that the id of each entry is unique. */
    private <T> List<T> list(Mapping top, String section, Function<PolicyNode, T> reader, Function<T, String> id,
                             String what) {
        Optional<PolicyNode> node = top.optional(section);
        if (node.isEmpty()) {
            return List.of();
        }
        List<PolicyNode> items = node.get().list();
        List<T> values = new ArrayList<>();
        Map<String, PolicyNode> first = new LinkedHashMap<>();
        for (PolicyNode item : items) {
            T value = reader.apply(item);
            PolicyNode earlier = first.putIfAbsent(id.apply(value), item);
            if (earlier != null) {
                throw item.error("duplicate " + what + " '" + id.apply(value) + "' (first at line " + earlier.line() + ")");
            }
            values.add(value);
        }
        return values;
    }

    private void unique(Mapping top, String section, List<ApiKey> keys, Function<ApiKey, String> value, String what,
                        String field) {
        Map<String, Integer> firstIndex = new LinkedHashMap<>();
        List<PolicyNode> items = top.optional(section).map(PolicyNode::list).orElse(List.of());
        for (int i = 0; i < keys.size(); i++) {
            Integer earlier = firstIndex.putIfAbsent(value.apply(keys.get(i)), i);
            if (earlier != null) {
                PolicyNode item = items.get(i);
                throw new PolicyFileException(source.file(), item.line(), item.path() + '.' + field,
                        "duplicate " + what + ": keys '" + keys.get(earlier).id() + "' and '" + keys.get(i).id()
                                + "' have the same " + field + " (line " + items.get(earlier).line() + ")");
            }
        }
    }
}
