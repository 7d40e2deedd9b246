package io.tollgate.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.tollgate.schemas.policy.PolicyFileParser;
import io.tollgate.schemas.policy.TollgateConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tollgate models list|explain}: the gateway's catalog values and where each came from. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "The gateway's model catalog: context window, max output, tokenizer, prices, tier and provider,"
                + " each with the source it came from (env, config, model file, discovery, inference, bundled, default);"
                + " models no source prices are flagged UNPRICED (the gateway refuses them).",
        subcommands = {ModelsCommand.ListModels.class, ModelsCommand.Explain.class})
public final class ModelsCommand {

    static final class AdminUrlOption {
        @Option(names = "--admin-url", paramLabel = "URL",
                description = "The gateway's admin listener (default: ${DEFAULT-VALUE}).")
        String adminUrl = "http://localhost:8090";
    }

    static String requireModel(String model) {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("the model id is empty; expected e.g. sim-large or gpt-4o-mini");
        }
        return model;
    }

    static JsonNode describe(ServiceHttp http, String adminUrl, String model) {
        return http.get(adminUrl, "/admin/models/" + ServiceHttp.encode(requireModel(model)));
    }

    static String value(JsonNode described, String field) {
        JsonNode node = described.path(field);
        return node.isObject() ? node.path("value").asText() : node.asText("");
    }

    /** False when only the built-in default prices the model: the gateway refuses to serve it. */
    static boolean priced(JsonNode described) {
        return described.path("priced").asBoolean(true);
    }

    static String price(JsonNode described, String field) {
        return priced(described) ? Money.usd(described.path(field).path("value").asLong()) : "UNPRICED";
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"The models of the policy file as the gateway resolves them (its admin listener, with the"
                    + " admin token).",
                    "Example:  tollgate models list -f tollgate.yaml"})
    public static final class ListModels implements Callable<Integer> {
        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Policy file naming the models (default: ${DEFAULT-VALUE}).")
        Path file = Path.of("tollgate.yaml");

        @Option(names = "--json", description = "Print the catalog entries as JSON.")
        boolean json;

        @picocli.CommandLine.Mixin
        AdminUrlOption gateway = new AdminUrlOption();

        @picocli.CommandLine.Mixin
        AccessOptions.Admin access = new AccessOptions.Admin();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("policy file " + file + " does not exist; pass it with -f");
            }
            TollgateConfig config = PolicyFileParser.parse(file);
            ServiceHttp http = new ServiceHttp(Duration.ofSeconds(10)).with(access.credential());
            ArrayNode all = ServiceHttp.json().createArrayNode();
            for (TollgateConfig.Model m : config.models()) {
                all.add(describe(http, gateway.adminUrl, m.id()));
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(ServiceHttp.json().writerWithDefaultPrettyPrinter().writeValueAsString(all));
                return 0;
            }
            out.printf("%-20s %-8s %-12s %9s %9s %14s %14s%n", "MODEL", "TIER", "PROVIDER", "CONTEXT", "MAX OUT",
                    "IN $/M", "OUT $/M");
            for (JsonNode d : all) {
                out.printf("%-20s %-8s %-12s %9s %9s %14s %14s%n", d.path("id").asText(), value(d, "tier"),
                        value(d, "provider"), value(d, "context_window"), value(d, "max_output_tokens"),
                        price(d, "input_price_micros_per_million"), price(d, "output_price_micros_per_million"));
            }
            for (JsonNode d : all) {
                if (!priced(d)) {
                    out.println();
                    out.println("UNPRICED " + d.path("id").asText() + ": " + d.path("unpriced").asText());
                }
            }
            return 0;
        }
    }

    @Command(name = "explain", mixinStandardHelpOptions = true,
            description = {"Every catalog value of one model and the source that supplied it.",
                    "Example:  tollgate models explain sim-large"})
    public static final class Explain implements Callable<Integer> {
        @Parameters(paramLabel = "MODEL", description = "Model id as agents send it.")
        String model;

        @Option(names = "--json", description = "Print the catalog entry as JSON.")
        boolean json;

        @picocli.CommandLine.Mixin
        AdminUrlOption gateway = new AdminUrlOption();

        @picocli.CommandLine.Mixin
        AccessOptions.Admin access = new AccessOptions.Admin();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            requireModel(model);
            JsonNode d = describe(new ServiceHttp(Duration.ofSeconds(10)).with(access.credential()), gateway.adminUrl, model);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(ServiceHttp.json().writerWithDefaultPrettyPrinter().writeValueAsString(d));
                return 0;
            }
            out.println(d.path("id").asText() + (priced(d) ? "" : "  (UNPRICED: the gateway refuses to serve it)"));
            for (Iterator<Map.Entry<String, JsonNode>> it = d.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("id") || e.getKey().equals("priced") || e.getKey().equals("unpriced")) {
                    continue;
                }
                JsonNode v = e.getValue();
                String shown = v.isObject() ? v.path("value").asText() : v.asText();
                if (e.getKey().endsWith("_micros_per_million") && v.path("value").isNumber()) {
                    shown = Money.usd(v.path("value").asLong()) + " per million tokens";
                }
                out.printf("  %-40s %-28s %s%n", e.getKey(), shown, v.isObject() ? "from " + v.path("source").asText() : "");
            }
            if (!priced(d)) {
                out.println("  " + d.path("unpriced").asText());
            }
            return 0;
        }
    }
}
