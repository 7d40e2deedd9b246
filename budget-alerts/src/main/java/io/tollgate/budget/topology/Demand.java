package io.tollgate.budget.topology;

/**
 * What one budget asks the gateways to do, weakest first. It only rises during a period (so a
 * reservation settling lower does not make the command flap); it falls when the budget is changed
 * or deleted, or the period ends.
 */
public enum Demand {
    NONE, DOWNGRADE, BLOCK, HARD_BLOCK;

    Demand atLeast(Demand other) {
        return compareTo(other) >= 0 ? this : other;
    }
}
