package io.tollgate.cli.view;

import java.util.List;
import java.util.Map;

/**
 * One refresh of the live view, as read from the services' HTTP APIs and the fleet's own tallies.
 *
 * @param rates      team -> model -> trailing-minute requests and tokens (metering-stream)
 * @param budgets    budgets with their current spend (budget-alerts)
 * @param alerts     newest alerts first (budget-alerts)
 * @param commands   commands in force (budget-alerts)
 * @param fallbacks  model -> fallbacks in its newest health window (metering-stream)
 * @param problems   services that did not answer this time, said plainly
 */
public record ViewSnapshot(long atMillis, long uptimeMillis, Map<String, Map<String, Rate>> rates, List<Budget> budgets,
                           List<String> alerts, List<String> commands, Map<String, Long> fallbacks, Fleet fleet,
                           List<String> problems) {

    public record Rate(long requestsPerMinute, long tokensPerMinute) {
        public Rate plus(Rate other) {
            return new Rate(requestsPerMinute + other.requestsPerMinute, tokensPerMinute + other.tokensPerMinute);
        }
    }

    public record Budget(String scope, String period, long spendMicros, long limitMicros, double sharePercent,
                         String demand) {
    }

    /** The fleet's side; null when no fleet runs ({@code --no-fleet}). */
    public record Fleet(long sent, long served, long fallbacks, Map<String, Long> refusals, Map<String, Long> errors,
                        long costMicros) {
    }
}
