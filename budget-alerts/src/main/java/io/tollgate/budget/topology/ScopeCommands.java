package io.tollgate.budget.topology;

import io.tollgate.schemas.avro.CommandAction;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One command per scope from all its budgets (a team may have a daily and a monthly budget): the
 * strongest demand wins, and among equals the one that lasts longest, so that the daily budget's
 * roll-over does not lift a block the monthly budget still needs.
 */
final class ScopeCommands {

    /** The command a scope should be under. */
    record Wanted(CommandAction action, String downgradeTo, Long until, String reason, String source) {
        boolean sameAs(PublishedCommand published) {
            return published != null && published.action() == action
                    && Objects.equals(published.downgradeTo(), downgradeTo) && Objects.equals(published.until(), until);
        }
    }

    private ScopeCommands() {
    }

    static Optional<Wanted> decide(List<BudgetState> states) {
        return states.stream()
                .filter(s -> s.demand() != Demand.NONE && s.terms() != null)
                .max(Comparator.comparing(BudgetState::demand).thenComparingLong(BudgetState::periodEndMillis))
                .map(ScopeCommands::wanted);
    }

    private static Wanted wanted(BudgetState s) {
        BudgetTerms t = s.terms();
        Long until = s.periodEndMillis() == Long.MAX_VALUE ? null : s.periodEndMillis();
        String source = "budget:" + s.scope() + '@' + s.period().name();
        String spent = AlertFactory.usd(s.spendMicros());
        return switch (s.demand()) {
            case HARD_BLOCK -> new Wanted(CommandAction.BLOCK, null, until,
                    String.format(Locale.ROOT, "hard limit of %s reached for %s %s (spent %s)",
                            AlertFactory.usd(t.hardLimitMicros()), s.scope(), s.periodKey(), spent), source);
            case BLOCK -> new Wanted(CommandAction.BLOCK, null, until,
                    String.format(Locale.ROOT, "budget of %s used up for %s %s (spent %s)",
                            AlertFactory.usd(t.limitMicros()), s.scope(), s.periodKey(), spent), source);
            case DOWNGRADE -> new Wanted(CommandAction.DOWNGRADE, t.downgradeTo(), until,
                    String.format(Locale.ROOT, "budget of %s used up for %s %s (spent %s); serving %s",
                            AlertFactory.usd(t.limitMicros()), s.scope(), s.periodKey(), spent, t.downgradeTo()), source);
            case NONE -> throw new IllegalStateException("no command for demand NONE");
        };
    }
}
