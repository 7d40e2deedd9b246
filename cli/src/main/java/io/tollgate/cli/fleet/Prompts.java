package io.tollgate.cli.fleet;

import java.util.List;
import java.util.Random;

/**
 * Prompts of the simulated agents: short simple ones and long complex ones (code, math, several
 * steps, a few turns), so {@code model: auto} routes them to different tiers.
 */
final class Prompts {

    record Message(String role, String content) {
    }

    private static final List<String> SIMPLE = List.of(
            "Summarise in one line: the deploy finished and all checks passed.",
            "Translate to French: good morning, the build is green.",
            "Is 'recieve' spelled correctly? Answer yes or no.",
            "Give a title for a note about the weekly sync.",
            "Classify the sentiment of: the new dashboard is great.");

    private static final List<String> COMPLEX = List.of(
            """
            Step 1: read the following function. Step 2: find the bug. Step 3: propose a fix and explain the complexity.
            ```java
            int sum(int[] a) { int s = 0; for (int i = 1; i <= a.length; i++) { s += a[i]; } return s; }
            ```
            Then prove that your fixed loop terminates and compute the sum of the integral of x^2 from 0 to 3.""",
            """
            First, design a schema for orders, customers and invoices. Second, write the SQL to find customers whose
            monthly spend grew by more than 20% for three consecutive months. Finally, explain the query plan and how
            you would index the tables, with the trade-offs for writes. Include an example with numbers.""",
            """
            We need a migration plan: 1) inventory the services, 2) order them by dependency, 3) estimate risk,
            4) write a rollback procedure for each step. Given latency p99 = 240 ms and a budget of 300 ms,
            compute the headroom as a percentage and say whether adding a 35 ms hop fits, showing the arithmetic.""");

    private Prompts() {
    }

    /** A conversation: complex prompts come with an earlier exchange, as agents working a task send them. */
    static List<Message> next(Random random, boolean complex) {
        if (!complex) {
            return List.of(new Message("user", SIMPLE.get(random.nextInt(SIMPLE.size()))));
        }
        return List.of(
                new Message("system", "You are a careful senior engineer. Think step by step."),
                new Message("user", "We are reviewing the quarterly plan."),
                new Message("assistant", "Understood. Send the details."),
                new Message("user", COMPLEX.get(random.nextInt(COMPLEX.size()))));
    }
}
