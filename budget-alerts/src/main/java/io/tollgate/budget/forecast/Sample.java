package io.tollgate.budget.forecast;

/** Spend of a scope and period at one instant (the time of the spend update). */
public record Sample(long at, long spendMicros) {
}
