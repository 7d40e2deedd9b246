package io.tollgate.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tollgate usage key|team|agent|sub_agent|conversation|tenant <id>}: usage and spend through metering-stream's
 * query API.
 */
@Command(name = "usage", mixinStandardHelpOptions = true,
        description = {"Requests, tokens and spend of an API key, a team, an agent, a sub-agent (<agent>/<name>, named by"
                + " X-Tollgate-Agent), a conversation or a tenant, as metering-stream"
                + " counts them (its interactive-query API; any instance answers; with the operator token).",
                "Examples:",
                "  tollgate usage key k-planner                 rates of the last minute, today's requests and tokens, spend",
                "  tollgate usage team research --period month  this month's spend of the team, by model and agent",
                "  tollgate usage sub_agent planner/summarizer  today's spend of the planner's summarizer sub-agent",
                "  tollgate usage key k-coder --model sim-large --json"})
public final class UsageCommand implements Callable<Integer> {

    /** What a usage query is about, with the scope name metering-stream uses. */
    enum Subject {
        key("api_key"), team("team"), agent("agent"), sub_agent("sub_agent"), conversation("conversation"),
        tenant("tenant");

        final String scopeType;

        Subject(String scopeType) {
            this.scopeType = scopeType;
        }
    }

    enum Period { day, month, lifetime }

    @Parameters(index = "0", paramLabel = "SUBJECT", description = "One of: ${COMPLETION-CANDIDATES}.")
    Subject subject;

    @Parameters(index = "1", paramLabel = "ID",
            description = "The key id (e.g. k-planner), team, agent, <agent>/<sub-agent>, conversation or tenant id.")
    String id;

    @Option(names = "--model", paramLabel = "MODEL", description = "Only this model (default: all models).")
    String model;

    @Option(names = "--period", paramLabel = "PERIOD",
            description = "day, month or lifetime (default: day; lifetime for conversations).")
    Period period;

    @Option(names = "--metering-url", paramLabel = "URL", description = "metering-stream's query API (default: ${DEFAULT-VALUE}).")
    String meteringUrl = "http://localhost:8082";

    @Option(names = "--json", description = "Print the answers as JSON.")
    boolean json;

    @Mixin
    AccessOptions.Operator access = new AccessOptions.Operator();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("the " + subject + " id is empty; expected e.g. k-planner or research");
        }
        if (subject == Subject.sub_agent && (id.indexOf('/') <= 0 || id.endsWith("/"))) {
            throw new IllegalArgumentException("sub-agent '" + id + "' is not <agent>/<sub-agent>; expected e.g."
                    + " planner/summarizer (the key's agent, then the X-Tollgate-Agent name)");
        }
        Period effective = period != null ? period : subject == Subject.conversation ? Period.lifetime : Period.day;
        if (effective == Period.lifetime && subject != Subject.conversation) {
            throw new IllegalArgumentException("--period lifetime applies to conversations only; use day or month for a "
                    + subject);
        }
        ServiceHttp http = new ServiceHttp(Duration.ofSeconds(10)).with(access.credential());
        String modelParam = model == null ? "" : "model=" + ServiceHttp.encode(model);
        ObjectNode result = ServiceHttp.json().createObjectNode();
        if (subject == Subject.key) {
            String base = "/v1/keys/" + ServiceHttp.encode(id);
            result.set("rates", http.get(meteringUrl, base + "/rates" + (model == null ? "" : "?" + modelParam)));
            result.set("daily", http.get(meteringUrl, base + "/daily" + (model == null ? "" : "?" + modelParam)));
        }
        JsonNode spend = http.get(meteringUrl, "/v1/spend/" + subject.scopeType + "/" + ServiceHttp.encode(id)
                + "?period=" + effective.name().toUpperCase(Locale.ROOT));
        result.set("spend", spend);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(ServiceHttp.json().writerWithDefaultPrettyPrinter().writeValueAsString(result));
        } else {
            printText(result, out);
        }
        return 0;
    }

    private void printText(ObjectNode result, PrintWriter out) {
        if (result.has("rates")) {
            JsonNode r = result.get("rates");
            out.printf("Last minute   %,d requests, %,d tokens (model %s)%n", r.path("requestsPerMinute").asLong(),
                    r.path("tokensPerMinute").asLong(), r.path("model").asText("*"));
            JsonNode d = result.get("daily");
            out.printf("Day %s  %,d requests, %,d tokens%n", d.path("day").asText(), d.path("requests").asLong(),
                    d.path("tokens").asLong());
        }
        JsonNode s = result.get("spend");
        long cost = s.path("costMicros").asLong();
        out.printf("Spend %s %s %s: %s (in flight %s), %,d requests, %,d prompt + %,d completion tokens%n",
                s.path("scope").asText(), s.path("period").asText(), s.path("periodKey").asText(), Money.usd(cost),
                Money.usd(s.path("inFlightMicros").asLong()), s.path("requests").asLong(),
                s.path("promptTokens").asLong(), s.path("completionTokens").asLong());
        JsonNode byModel = s.path("costByModel");
        byModel.fieldNames().forEachRemaining(m -> {
            if (model == null || model.equals(m)) {
                out.printf("  model %-24s %s%n", m, Money.usd(byModel.get(m).asLong()));
            }
        });
        JsonNode byAgent = s.path("costByAgent");
        byAgent.fieldNames().forEachRemaining(a -> out.printf("  agent %-24s %s%n", a, Money.usd(byAgent.get(a).asLong())));
    }
}
