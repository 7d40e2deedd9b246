package io.tollgate.cli.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * What the services counted for a team, read through their REST APIs with the operator token: metering-stream's
 * spend of the team and of its key (requests, tokens, cost, in flight, abandoned, orphan, clamped, late), its daily
 * quota totals of the key and model, and budget-alerts' spend of the team's budget.
 */
public final class Metered {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A scope's spend in one day as metering-stream answers it. */
    public record Spend(Figures figures, long inFlightMicros, long abandonedCalls, long abandonedMicros,
                        long orphanResponses, long lateReassigned, long clampedEvents) {
        static final Spend NONE = new Spend(Figures.NONE, 0, 0, 0, 0, 0, 0);
    }

    /** Requests and tokens of the key's quota day for the team's model. */
    public record Daily(long requests, long tokens) {
    }

    private Metered() {
    }

    /** metering-stream's spend of {@code scopeType} ({@code team}, {@code api_key}) {@code id} on {@code day}. */
    public static Spend spend(ServiceProcess metering, String scopeType, String id, String day) {
        ServiceProcess.Answer answer = metering.get("/v1/spend/" + scopeType + "/" + id + "?period=DAY&key=" + day);
        if (answer.status() == 404) {
            return Spend.NONE;
        }
        JsonNode s = ok(metering, answer);
        return new Spend(new Figures(s.path("requests").asLong(), s.path("promptTokens").asLong(),
                s.path("completionTokens").asLong(), s.path("costMicros").asLong()), s.path("inFlightMicros").asLong(),
                s.path("abandonedCalls").asLong(), s.path("abandonedMicros").asLong(), s.path("orphanResponses").asLong(),
                s.path("lateReassigned").asLong(), s.path("clampedEvents").asLong());
    }

    public static Spend teamSpend(ServiceProcess metering, String team, String day) {
        return spend(metering, "team", team, day);
    }

    public static Spend keySpend(ServiceProcess metering, String team, String day) {
        return spend(metering, "api_key", FaultPolicy.keyId(team), day);
    }

    /** metering-stream's daily quota totals of the team's key and model on {@code day}. */
    public static Daily daily(ServiceProcess metering, String team, String day) {
        ServiceProcess.Answer answer = metering.get("/v1/keys/" + FaultPolicy.keyId(team) + "/daily?model="
                + FaultPolicy.model(team) + "&day=" + day);
        if (answer.status() == 404) {
            return new Daily(0, 0);
        }
        JsonNode d = ok(metering, answer);
        return new Daily(d.path("requests").asLong(), d.path("tokens").asLong());
    }

    /** budget-alerts' spend of the team's daily budget in its current period; empty while it has none. */
    public static Optional<Long> budgetSpend(ServiceProcess budget, String team) {
        String scope = FaultPolicy.budgetScope(team);
        JsonNode answer = ok(budget, budget.get("/budgets?scope=" + scope));
        JsonNode list = answer.isArray() ? answer : answer.path("budgets");
        for (JsonNode b : list) {
            if (scope.equals(b.path("scope").asText()) && "DAY".equals(b.path("period").asText())) {
                return Optional.of(b.path("spendMicros").asLong());
            }
        }
        return Optional.empty();
    }

    /** The requests metering-stream counts for the team's key and model in the minute ending at {@code at}. */
    public static long requestsPerMinute(ServiceProcess metering, String team, long at) {
        return ok(metering, metering.get("/v1/keys/" + FaultPolicy.keyId(team) + "/rates?model="
                + FaultPolicy.model(team) + "&at=" + at)).path("requestsPerMinute").asLong();
    }

    /** One call as metering-stream holds it by id; empty when it does not know it. */
    public static Optional<JsonNode> call(ServiceProcess metering, String team, String callId) {
        ServiceProcess.Answer answer = metering.get("/v1/keys/" + FaultPolicy.keyId(team) + "/calls/" + callId);
        return answer.status() == 404 ? Optional.empty() : Optional.of(ok(metering, answer));
    }

    /**
     * A 503: the service is up but cannot answer yet (a rebalance is assigning the store, or its copy is behind).
     * An {@link AssertionError}, so an Awaitility {@code untilAsserted} asks again instead of failing at once.
     */
    public static final class NotAnsweringYet extends AssertionError {
        NotAnsweringYet(String message) {
            super(message);
        }
    }

    private static JsonNode ok(ServiceProcess service, ServiceProcess.Answer answer) {
        if (answer.status() == 503) {
            throw new NotAnsweringYet(service.name() + " does not answer yet (503): " + answer.body());
        }
        if (answer.status() != 200) {
            throw new IllegalStateException(service.name() + " answered " + answer.status() + ": " + answer.body());
        }
        try {
            return JSON.readTree(answer.body());
        } catch (IOException e) {
            throw new UncheckedIOException(service.name() + " answered no JSON: " + answer.body(), e);
        }
    }
}
