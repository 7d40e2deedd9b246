package io.tollgate.cli.view;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.cli.fleet.FleetStats;
import io.tollgate.cli.ops.Credential;
import io.tollgate.cli.ops.Money;
import io.tollgate.cli.ops.ServiceHttp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads what the live view shows through the services' HTTP APIs, with the operator token: rates per key and model
 * from metering-stream (summed per team here), model health, budgets, alerts and commands from
 * budget-alerts. A service that does not answer becomes a line under the table, not a crash.
 */
public final class ViewCollector {

    private final String meteringUrl;
    private final String budgetUrl;
    private final Map<String, String> teamOfKey;
    private final List<String> models;
    private final FleetStats fleet;
    private final long startedMillis;
    private final ServiceHttp http;

    /**
     * @param operator  the operator token metering-stream and budget-alerts expect
     * @param teamOfKey key id -> team, from the policy file
     * @param fleet     null without a fleet
     */
    public ViewCollector(String meteringUrl, String budgetUrl, Credential operator, Map<String, String> teamOfKey,
                         List<String> models, FleetStats fleet, long startedMillis) {
        this.http = new ServiceHttp(Duration.ofSeconds(3)).with(operator);
        this.meteringUrl = meteringUrl;
        this.budgetUrl = budgetUrl;
        this.teamOfKey = Map.copyOf(teamOfKey);
        this.models = List.copyOf(models);
        this.fleet = fleet;
        this.startedMillis = startedMillis;
    }

    public ViewSnapshot collect() {
        List<String> problems = new ArrayList<>();
        long now = System.currentTimeMillis();
        Map<String, Map<String, ViewSnapshot.Rate>> rates = new TreeMap<>();
        try {
            for (Map.Entry<String, String> key : new TreeMap<>(teamOfKey).entrySet()) {
                for (String model : models) {
                    JsonNode r = http.get(meteringUrl, "/v1/keys/" + ServiceHttp.encode(key.getKey()) + "/rates?model="
                            + ServiceHttp.encode(model) + "&at=" + now);
                    ViewSnapshot.Rate rate = new ViewSnapshot.Rate(r.path("requestsPerMinute").asLong(),
                            r.path("tokensPerMinute").asLong());
                    if (rate.requestsPerMinute() != 0 || rate.tokensPerMinute() != 0) {
                        rates.computeIfAbsent(key.getValue(), t -> new TreeMap<>()).merge(model, rate, ViewSnapshot.Rate::plus);
                    }
                }
            }
        } catch (ServiceHttp.ServiceException e) {
            problems.add("metering-stream: " + e.getMessage());
        }
        Map<String, Long> fallbacks = new TreeMap<>();
        try {
            for (JsonNode h : http.get(meteringUrl, "/v1/model-health")) {
                fallbacks.put(h.path("model").asText(), h.path("fallbacks").asLong());
            }
        } catch (ServiceHttp.ServiceException e) {
            problems.add("metering-stream health: " + e.getMessage());
        }
        List<ViewSnapshot.Budget> budgets = new ArrayList<>();
        List<String> alerts = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        try {
            for (JsonNode b : http.get(budgetUrl, "/budgets")) {
                budgets.add(new ViewSnapshot.Budget(b.path("scope").asText(), b.path("period").asText(),
                        b.path("spendMicros").asLong(), b.path("limitMicros").asLong(), b.path("sharePercent").asDouble(),
                        b.path("demand").asText("")));
            }
            for (JsonNode a : http.get(budgetUrl, "/alerts?limit=6")) {
                alerts.add(String.format("%tT %-18s %-18s %s of %s", Instant.ofEpochMilli(a.path("timestamp").asLong())
                                .atZone(java.time.ZoneId.systemDefault()), a.path("kind").asText(), a.path("scope").asText(),
                        Money.usd(a.path("spendMicros").asLong()), Money.usd(a.path("budgetMicros").asLong())));
            }
            for (JsonNode c : http.get(budgetUrl, "/commands")) {
                commands.add(c.path("action").asText() + " " + c.path("scope").asText()
                        + (c.hasNonNull("downgradeTo") ? " -> " + c.path("downgradeTo").asText() : "")
                        + "  (" + c.path("reason").asText() + ")");
            }
        } catch (ServiceHttp.ServiceException e) {
            problems.add("budget-alerts: " + e.getMessage());
        }
        ViewSnapshot.Fleet fleetView = fleet == null ? null : new ViewSnapshot.Fleet(fleet.sentCalls(), fleet.totalCalls(),
                fleet.totalFallbacks(), fleet.refusals(), fleet.errors(), fleet.totalCostMicros());
        return new ViewSnapshot(now, now - startedMillis, rates, budgets, alerts, commands, fallbacks, fleetView, problems);
    }
}
