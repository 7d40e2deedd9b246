package io.tollgate.cli.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each team should count: the calls the provider served through a gateway (each answered call's usage as the
 * agent received it) and the valid events a test wrote itself, per UTC day; and what the provider served per team.
 * {@link #assertExact} compares them with every place the services keep them. Safe for concurrent agents.
 */
public final class Ledger {

    private final FaultStack stack;
    private final FaultChecks checks;
    private final Map<String, Map<String, Figures>> expected = new ConcurrentHashMap<>();
    private final Map<String, Figures> served = new ConcurrentHashMap<>();

    public Ledger(FaultStack stack) {
        this.stack = stack;
        this.checks = new FaultChecks(stack);
    }

    /** An answered call of {@code team}: the provider served it and it must count today. */
    public void answered(String team, AgentClient.Answer answer) {
        Figures call = Figures.call(answer.promptTokens(), answer.completionTokens());
        served.merge(team, call, Figures::plus);
        expect(team, FaultChecks.today(), call);
    }

    /** Figures that must count for {@code team} on {@code day} without the provider having served them. */
    public void expect(String team, String day, Figures figures) {
        expected.computeIfAbsent(team, t -> new ConcurrentHashMap<>()).merge(day, figures, Figures::plus);
    }

    /** Makes a call, which must be answered in full, and books it. */
    public AgentClient.Answer serve(AgentClient agent, ServiceProcess gateway, String team, String prompt, int maxTokens,
                                    boolean stream) {
        AgentClient.Answer answer = agent.chat(stack.agentUrl(gateway), team, prompt, maxTokens, stream);
        assertThat(answer.answered()).as("%s call of team %s through %s answered: %s%s", stream ? "streamed" : "whole",
                team, gateway.name(), answer, stack.tails()).isTrue();
        answered(team, answer);
        return answer;
    }

    public Map<String, Map<String, Figures>> expected() {
        return Map.copyOf(expected);
    }

    /**
     * The provider served exactly the team's answered calls, and metering-stream (asked at {@code metering}) and
     * budget-alerts count exactly what is expected on every day; returns today's spend.
     */
    public Metered.Spend assertExact(ServiceProcess metering, String team) {
        checks.assertServed(team, served.getOrDefault(team, Figures.NONE));
        Metered.Spend today = null;
        for (Map.Entry<String, Figures> day : expected.getOrDefault(team, Map.of()).entrySet()) {
            Metered.Spend spend = checks.awaitExact(metering, team, day.getKey(), day.getValue());
            if (day.getKey().equals(FaultChecks.today())) {
                today = spend;
            }
        }
        return today;
    }
}
