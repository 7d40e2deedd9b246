package io.tollgate.gateway.call;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The request path's pieces of {@link HotPathBenchmark} measured in the thread's CPU time rather than wall-clock
 * time, for a shared machine whose load makes JMH's ns/op noise: each piece is warmed (six rounds), then run in
 * seven rounds of {@code n} calls; the median round's CPU nanoseconds per call is printed with the fastest and
 * slowest. Args: an optional regex of piece names, an optional {@code n} (default 50,000; 2,000 for the
 * 20-message count). Run with the bench classpath as {@code HotPathBenchmark} is.
 */
public final class HotPathCpuTime {

    private static volatile Object sink;

    private HotPathCpuTime() {
    }

    public static void main(String[] args) {
        HotPathBenchmark b = new HotPathBenchmark();
        b.setUp();
        Map<String, Supplier<Object>> pieces = new LinkedHashMap<>();
        pieces.put("authenticate", b::authenticate);
        pieces.put("countSmallChatPrompt", b::countSmallChatPrompt);
        pieces.put("countTwentyMessagePrompt", b::countTwentyMessagePrompt);
        pieces.put("requestEvent", b::requestEvent);
        pieces.put("usageEventForSpool", b::usageEventForSpool);
        pieces.put("routeHeader", b::routeHeader);
        pieces.put("parseSmallChat", b::parseSmallChat);
        pieces.put("promptFeaturesSmallChat", () -> PromptAnalysis.features(b.smallChat, 25));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (Map.Entry<String, Supplier<Object>> piece : pieces.entrySet()) {
            if (args.length > 0 && !piece.getKey().matches(args[0])) {
                continue;
            }
            Supplier<Object> call = piece.getValue();
            int n = piece.getKey().contains("Twenty") ? 2_000 : args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
            for (int i = 0; i < n * 6; i++) {
                sink = call.get();
            }
            double[] rounds = new double[7];
            for (int r = 0; r < rounds.length; r++) {
                long t0 = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < n; i++) {
                    sink = call.get();
                }
                rounds[r] = (threads.getCurrentThreadCpuTime() - t0) / (double) n;
            }
            Arrays.sort(rounds);
            System.out.printf("%-26s %9.0f ns CPU/call (fastest %.0f, slowest %.0f)%n", piece.getKey(), rounds[3],
                    rounds[0], rounds[6]);
        }
    }
}
