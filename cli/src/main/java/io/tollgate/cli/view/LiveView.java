package io.tollgate.cli.view;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Refreshes the table on a terminal (cursor home, clear, redraw) or, when the output is not a
 * terminal, prints it as plain text at a slower pace so logs stay readable.
 */
public final class LiveView implements AutoCloseable {

    private final ViewCollector collector;
    private final ViewRenderer renderer;
    private final PrintStream out;
    private final boolean terminal;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tollgate-live-view");
        t.setDaemon(true);
        return t;
    });

    public LiveView(ViewCollector collector, PrintStream out, boolean terminal) {
        this.collector = collector;
        this.renderer = new ViewRenderer(terminal);
        this.out = out;
        this.terminal = terminal;
    }

    public LiveView start(Duration terminalRefresh, Duration plainRefresh) {
        Duration every = terminal ? terminalRefresh : plainRefresh;
        timer.scheduleWithFixedDelay(this::refresh, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void refresh() {
        try {
            String table = renderer.render(collector.collect());
            out.print(terminal ? "\u001b[H\u001b[2J" + table : table + "\n");
            out.flush();
        } catch (RuntimeException e) {
            out.println("live view: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
