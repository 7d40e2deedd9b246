package io.tollgate.cli.fault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Agents calling steadily until stopped: each of {@code agents} threads calls at {@code perAgentRate} calls per
 * second (fixed schedule, no catching up after a slow call), the gateways in turn, whole and streamed calls in turn,
 * for the teams in turn. Every answer is kept; answered ones are booked in the {@link Ledger}.
 */
public final class SteadyLoad implements AutoCloseable {

    /** One call as the agent saw it. */
    public record Sent(String team, String gateway, boolean stream, long sentAtMillis, long answeredAtMillis,
                       AgentClient.Answer answer) {
    }

    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong sequence = new AtomicLong();
    private volatile boolean running = true;

    /**
     * @param gateways     the gateways to call, asked each time (a restarted gateway is called again)
     * @param teams        teams whose keys call, in turn (asked each time: a benchmark moves to fresh teams per phase)
     * @param agents       concurrent agents
     * @param perAgentRate calls per second of each agent
     */
    public SteadyLoad(FaultStack stack, Ledger ledger, Supplier<List<ServiceProcess>> gateways,
                      Supplier<List<String>> teams, int agents, double perAgentRate) {
        AgentClient client = new AgentClient(Duration.ofSeconds(60));
        long intervalNanos = (long) (1e9 / perAgentRate);
        for (int a = 0; a < agents; a++) {
            int agent = a;
            threads.add(Thread.ofPlatform().daemon().name("agent-" + a).start(() -> {
                long next = System.nanoTime() + agent * intervalNanos / agents;
                while (running) {
                    LockSupport.parkNanos(next - System.nanoTime());
                    next += intervalNanos;
                    if (!running) {
                        return;
                    }
                    long n = sequence.getAndIncrement();
                    List<ServiceProcess> targets = gateways.get();
                    ServiceProcess gateway = targets.get((int) (n % targets.size()));
                    List<String> current = teams.get();
                    String team = current.get((int) ((n / targets.size()) % current.size()));
                    boolean stream = n % 3 == 2;
                    long at = System.currentTimeMillis();
                    AgentClient.Answer answer = client.chat(stack.agentUrl(gateway), team,
                            "Steady call " + n + " of " + team + ": summarise the plan in one line.", 4 + (int) (n % 9),
                            stream);
                    if (answer.answered()) {
                        ledger.answered(team, answer);
                    }
                    sent.add(new Sent(team, gateway.name(), stream, at, System.currentTimeMillis(), answer));
                }
            }));
        }
    }

    /** Every call made so far. */
    public List<Sent> sent() {
        return List.copyOf(sent);
    }

    /** Stops the agents after their calls in progress. */
    @Override
    public void close() {
        running = false;
        for (Thread t : threads) {
            LockSupport.unpark(t);
            try {
                t.join(Duration.ofSeconds(90).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
