package io.tollgate.cli.view;

import io.tollgate.cli.ops.Money;
import java.util.Map;

/** Turns a {@link ViewSnapshot} into the table people watch: ANSI colours on a terminal, plain text otherwise. */
public final class ViewRenderer {

    private static final int BAR = 24;
    private final boolean ansi;

    public ViewRenderer(boolean ansi) {
        this.ansi = ansi;
    }

    public String render(ViewSnapshot s) {
        StringBuilder out = new StringBuilder();
        out.append(bold("Tollgate")).append(String.format("  up %ds  (Ctrl-C stops and prints a summary)%n%n",
                s.uptimeMillis() / 1000));
        out.append(bold(String.format("%-12s %-12s %10s %12s%n", "TEAM", "MODEL", "REQ/MIN", "TOKENS/MIN")));
        if (s.rates().isEmpty()) {
            out.append("  (no traffic in the last minute)\n");
        }
        for (Map.Entry<String, Map<String, ViewSnapshot.Rate>> team : s.rates().entrySet()) {
            for (Map.Entry<String, ViewSnapshot.Rate> model : team.getValue().entrySet()) {
                out.append(String.format("%-12s %-12s %,10d %,12d%n", team.getKey(), model.getKey(),
                        model.getValue().requestsPerMinute(), model.getValue().tokensPerMinute()));
            }
        }
        out.append('\n').append(bold(String.format("%-26s %-6s %-" + (BAR + 2) + "s %22s %s%n", "BUDGET", "PERIOD",
                "SPEND", "", "")));
        for (ViewSnapshot.Budget b : s.budgets()) {
            out.append(String.format("%-26s %-6s %s %10s / %-10s %5.1f%% %s%n", b.scope(), b.period(), bar(b.sharePercent()),
                    Money.usd(b.spendMicros()), Money.usd(b.limitMicros()), b.sharePercent(),
                    b.demand() == null || b.demand().isBlank() || b.demand().equals("NONE") ? "" : b.demand()));
        }
        out.append('\n').append(bold("RECENT ALERTS")).append('\n');
        if (s.alerts().isEmpty()) {
            out.append("  none yet\n");
        }
        s.alerts().forEach(a -> out.append("  ").append(a).append('\n'));
        out.append(bold("COMMANDS IN FORCE")).append('\n');
        if (s.commands().isEmpty()) {
            out.append("  none\n");
        }
        s.commands().forEach(c -> out.append("  ").append(colour(c, "33")).append('\n'));
        out.append(bold("FALLBACKS AND REFUSALS")).append('\n');
        if (s.fleet() != null) {
            ViewSnapshot.Fleet f = s.fleet();
            out.append(String.format("  fleet: %,d sent, %,d answered (%,d by a fallback model), spend %s%n", f.sent(),
                    f.served(), f.fallbacks(), Money.usd(f.costMicros())));
            out.append("  refused: ").append(f.refusals().isEmpty() ? "none" : f.refusals().toString())
                    .append("   errors: ").append(f.errors().isEmpty() ? "none" : f.errors().toString()).append('\n');
        }
        if (!s.fallbacks().isEmpty()) {
            out.append("  fallbacks per model (5-minute health window): ").append(s.fallbacks()).append('\n');
        }
        s.problems().forEach(p -> out.append(colour("  ! " + p, "31")).append('\n'));
        return out.toString();
    }

    String bar(double sharePercent) {
        int filled = (int) Math.min(BAR, Math.round(sharePercent / 100.0 * BAR));
        String body = "#".repeat(filled) + ".".repeat(BAR - filled);
        String code = sharePercent >= 100 ? "31" : sharePercent >= 80 ? "33" : "32";
        return "[" + colour(body, code) + "]";
    }

    private String bold(String text) {
        return ansi ? "\u001b[1m" + text + "\u001b[0m" : text;
    }

    private String colour(String text, String code) {
        return ansi ? "\u001b[" + code + "m" + text + "\u001b[0m" : text;
    }
}
