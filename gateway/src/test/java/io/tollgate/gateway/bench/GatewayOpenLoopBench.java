package io.tollgate.gateway.bench;

import io.tollgate.gateway.GatewayApplication;
import io.tollgate.gateway.config.GatewayConfig;
import io.tollgate.gateway.config.GatewayConfigLoader;
import io.tollgate.localstack.EmbeddedKafka;
import io.tollgate.localstack.provider.SimulatedProvider;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.policy.PolicyFileParser;
import io.tollgate.schemas.policy.TollgateConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Load generator (not a test): gateway overhead in an <em>open loop</em>. N clients share a fixed
 * total rate well below saturation; each client has its own schedule (interval N/rate, clients
 * staggered by 1/rate) and every latency is measured from the request's <em>intended</em> send
 * time, so a slow answer that delays the next send is counted in that next request too (no
 * coordinated omission). The closed-loop {@link GatewayLoadBench} saturates the two cores at 64
 * clients, so its "overhead" there is CPU queueing; this one measures the per-request cost.
 *
 * <p>The embedded broker and the simulated provider (zero delay) run in this JVM; the gateway
 * (without control plane, as in {@link GatewayLoadBench}) and the bare proxy run in this JVM too,
 * or in a JVM of their own ({@link GatewayProcess}) when gateway JVM options are given; the load generator runs in a
 * <em>separate JVM</em> spawned with the same classpath ({@link Generator}), so it does not share
 * this JVM's heap, GC or safepoints (it still shares the machine's cores). First a JIT warm-up
 * (2 x 5 s to each target at 64 clients, 1000 req/s, discarded). Direct, bare-proxy and gateway
 * phases then alternate within one run: per (clients, rate) a discarded warm-up phase to each, then
 * {@code rounds} x (direct, bare proxy, gateway), histograms summed per target.
 *
 * <p>Three targets per setting, in the same run: the provider directly, the {@link BareProxy} (same
 * Jetty + HttpClient stack with no gateway work: the floor) and the gateway.
 *
 * <p>Args: {@code [seconds per phase (3)] [rounds (3)] [client counts (1,64,256)]
 * [total rates req/s (200,500,1000)] [generator JVM options, space separated ("-Xmx256m")]
 * [gateway JVM options, or "same" to run gateway and bare proxy in this JVM ("same")]}.
 * {@code -Dtollgate.bench.events=none} on the JVM that runs the gateway drops usage events.
 */
public final class GatewayOpenLoopBench {

    static final String BODY = "{\"model\":\"sim-small\",\"max_tokens\":16,\"messages\":["
            + "{\"role\":\"system\",\"content\":\"You are terse.\"},"
            + "{\"role\":\"user\",\"content\":\"Name three prime numbers below twenty.\"}]}";

    private GatewayOpenLoopBench() {
    }

    public static void main(String[] args) throws Exception {
        String seconds = args.length > 0 ? args[0] : "3";
        String rounds = args.length > 1 ? args[1] : "3";
        String clients = args.length > 2 ? args[2] : "1,64,256";
        String rates = args.length > 3 ? args[3] : "200,500,1000";
        String jvmOptions = args.length > 4 ? args[4] : "-Xmx256m";
        String gatewayJvm = args.length > 5 ? args[5] : SAME_JVM;
        Path dir = Files.createTempDirectory("tollgate-bench");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().start();
             SimulatedProvider provider = SimulatedProvider.start()) {
            kafka.createTopics(Topics.specs(), 1);
            String direct = provider.baseUrl() + "/chat/completions";
            String where = gatewayJvm.equals(SAME_JVM) ? "this JVM" : "a separate JVM (" + gatewayJvm + ")";
            System.out.printf("machine: %d cores, JDK %s; broker and provider in this JVM (pid %d, %s), gateway and"
                            + " bare proxy in %s, generator in a separate JVM (%s); %s s per phase, %s rounds;"
                            + " usage events: %s%n",
                    Runtime.getRuntime().availableProcessors(), Runtime.version(), ProcessHandle.current().pid(),
                    String.join(" ", java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()),
                    where, jvmOptions, seconds, rounds,
                    "none".equals(System.getProperty("tollgate.bench.events")) ? "dropped (-Dtollgate.bench.events=none)"
                            : "spool + Kafka");
            if (gatewayJvm.equals(SAME_JVM)) {
                try (GatewayApplication gateway = startGateway(provider.baseUrl(), kafka.bootstrapServers(), dir);
                     BareProxy bare = new BareProxy(provider.baseUrl()).start()) {
                    int exit = runGenerator(jvmOptions, direct, "http://127.0.0.1:" + bare.port() + "/v1/chat/completions",
                            "http://127.0.0.1:" + gateway.port() + "/v1/chat/completions", seconds, rounds, clients, rates);
                    System.out.println("spooled events not yet acknowledged at the end: " + gateway.events().pendingEvents());
                    requireZero(exit);
                }
            } else {
                List<String> command = javaCommand(gatewayJvm, GatewayProcess.class,
                        provider.baseUrl(), kafka.bootstrapServers(), dir.toString());
                Process gatewayProcess = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                try {
                    var out = new java.io.BufferedReader(new java.io.InputStreamReader(gatewayProcess.getInputStream(),
                            java.nio.charset.StandardCharsets.UTF_8));
                    String line;
                    String[] ports = null;
                    while ((line = out.readLine()) != null) {
                        if (line.startsWith("ports ")) {
                            ports = line.split(" ");
                            break;
                        }
                    }
                    if (ports == null) {
                        throw new IllegalStateException("gateway JVM ended before printing its ports, exit "
                                + gatewayProcess.waitFor());
                    }
                    Thread.ofPlatform().daemon().start(() -> out.lines().forEach(System.out::println));
                    int exit = runGenerator(jvmOptions, direct, "http://127.0.0.1:" + ports[2] + "/v1/chat/completions",
                            "http://127.0.0.1:" + ports[1] + "/v1/chat/completions", seconds, rounds, clients, rates);
                    gatewayProcess.getOutputStream().close(); // tells the gateway JVM to report and stop
                    if (!gatewayProcess.waitFor(30, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("gateway JVM did not stop within 30 s of being told to");
                    }
                    requireZero(exit);
                } finally {
                    gatewayProcess.destroy();
                }
            }
        }
    }

    /** Marks "run the gateway in the benchmark's JVM" in place of gateway JVM options. */
    static final String SAME_JVM = "same";

    static GatewayApplication startGateway(String providerBaseUrl, String bootstrap, Path dir) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("TOLLGATE_SIMULATED_PROVIDER_URL", providerBaseUrl);
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("TOLLGATE_SCHEMA_REGISTRY_URL", "mock://bench");
        env.put("TOLLGATE_GATEWAY_PORT", "0");
        env.put("TOLLGATE_ADMIN_PORT", "0");
        env.put("TOLLGATE_ADMIN_TOKEN", "bench-admin-token-0123456789");
        env.put("TOLLGATE_GATEWAY_HOST", "127.0.0.1");
        env.put("TOLLGATE_SPOOL_DIR", dir.resolve("spool").toString());
        env.put("TOLLGATE_WORKING_DIR", dir.toString());
        env.put("HOME", dir.toString());
        env.put("TOLLGATE_POLICY_TOPIC", "false");
        TollgateConfig policy = PolicyFileParser.parse(Path.of("tollgate.yaml"), env::get);
        GatewayConfig config = new GatewayConfigLoader(env).load(policy, "tollgate.yaml");
        GatewayApplication.Builder builder = GatewayApplication.builder(config).withoutControl();
        if ("none".equals(System.getProperty("tollgate.bench.events"))) {
            // -Dtollgate.bench.events=none on the gateway's JVM: usage events dropped (no spool, no
            // Kafka), to see what metering costs the request path next to the same run's baselines
            builder.eventSink(new io.tollgate.gateway.events.EventSink() {
                @Override
                public void publish(io.tollgate.schemas.avro.UsageEvent event) {
                }

                @Override
                public java.util.Optional<String> refusal() {
                    return java.util.Optional.empty();
                }

                @Override
                public long pendingEvents() {
                    return 0;
                }

                @Override
                public void close() {
                }
            });
        }
        return builder.build().start();
    }

    private static int runGenerator(String jvmOptions, String direct, String bare, String through, String seconds,
                                    String rounds, String clients, String rates) throws Exception {
        List<String> command = javaCommand(jvmOptions, Generator.class, direct, bare, through, seconds, rounds,
                clients, rates);
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }

    private static List<String> javaCommand(String jvmOptions, Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElseThrow(() -> new IllegalStateException("cannot find this JVM's java executable")));
        command.addAll(List.of(jvmOptions.trim().split("\\s+")));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return command;
    }

    private static void requireZero(int exit) {
        if (exit != 0) {
            throw new IllegalStateException("generator JVM exited with " + exit + ", expected 0");
        }
    }

    /**
     * The gateway (without control plane) and the {@link BareProxy} in their own JVM, so that JVM's
     * heap, GC and JIT hold only them. Args: provider base URL, Kafka bootstrap servers, work dir.
     * Prints {@code ports <gateway> <bare proxy>}, then runs until its standard input closes, then
     * prints how many usage events are still spooled.
     */
    public static final class GatewayProcess {

        private GatewayProcess() {
        }

        public static void main(String[] args) throws Exception {
            if (args.length != 3) {
                throw new IllegalArgumentException("expected 3 args (provider base URL, bootstrap servers, work dir),"
                        + " got " + args.length);
            }
            try (GatewayApplication gateway = startGateway(args[0], args[1], Path.of(args[2]));
                 BareProxy bare = new BareProxy(args[0]).start()) {
                System.out.printf("gateway JVM: pid %d, options %s%n", ProcessHandle.current().pid(),
                        String.join(" ", java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()));
                System.out.println("ports " + gateway.port() + " " + bare.port());
                System.out.flush();
                System.in.transferTo(java.io.OutputStream.nullOutputStream());
                System.out.println("spooled events not yet acknowledged at the end: " + gateway.events().pendingEvents());
                System.out.println("gateway JVM CPU time (warm-up and all phases): " + ProcessHandle.current().info()
                        .totalCpuDuration().map(d -> d.toMillis() / 1000.0 + " s").orElse("unknown"));
            }
        }
    }

    /**
     * The open-loop generator, run in its own JVM by {@link GatewayOpenLoopBench#main}.
     * Args: direct URL, bare-proxy URL, gateway URL, seconds per phase, rounds, client counts, total
     * rates. With {@code -Dtollgate.bench.samples=<file>} it also writes every measured sample as
     * {@code target clients rate intended-epoch-micros latency-micros}, to line slow requests up
     * with GC and safepoint logs (printed with {@code -Xlog:...:time}).
     */
    public static final class Generator {

        private static final String SAMPLES = System.getProperty("tollgate.bench.samples");
        /**
         * {@code -Dtollgate.bench.interleave=true}: one phase per round in which the clients send
         * {@code rate} req/s to each of the three targets at once, alternating targets per request,
         * so the other processes on a shared machine disturb all three paths alike.
         */
        private static final boolean INTERLEAVE = Boolean.getBoolean("tollgate.bench.interleave");
        /** Wall clock at nanoTime 0, so samples can be matched with the other JVMs' logs. */
        private static final long EPOCH_MICROS_AT_NANO_ZERO =
                System.currentTimeMillis() * 1_000 - System.nanoTime() / 1_000;

        private Generator() {
        }

        public static void main(String[] args) throws Exception {
            if (args.length != 7) {
                throw new IllegalArgumentException("expected 7 args (direct URL, bare-proxy URL, gateway URL, seconds,"
                        + " rounds, clients, rates), got " + args.length);
            }
            URI direct = URI.create(args[0]);
            URI bare = URI.create(args[1]);
            URI through = URI.create(args[2]);
            int seconds = Integer.parseInt(args[3]);
            int rounds = Integer.parseInt(args[4]);
            List<Integer> clientCounts = List.of(args[5].split(",")).stream().map(Integer::parseInt).toList();
            List<Integer> rates = List.of(args[6].split(",")).stream().map(Integer::parseInt).toList();
            System.out.printf("generator: pid %d, JDK %s, %s%n", ProcessHandle.current().pid(), Runtime.version(),
                    INTERLEAVE ? "targets interleaved (rate req/s to each at once)" : "one target per phase");
            java.io.PrintWriter samples = SAMPLES == null ? null
                    : new java.io.PrintWriter(Files.newBufferedWriter(Path.of(SAMPLES)));
            // JIT warm-up of the servers and this generator before any setting is measured, so the
            // first setting is not measured half-interpreted: 5 s to each target at 64 clients, 1000 req/s
            try (HttpClient warm = newClient()) {
                for (int i = 0; i < 2; i++) {
                    phase(warm, request(direct, "sim-key-1"), 64, 1000, 5);
                    phase(warm, request(bare, "sim-key-1"), 64, 1000, 5);
                    phase(warm, request(through, "tg-demo-support"), 64, 1000, 5);
                }
            }
            System.out.println("clients | rate req/s | direct p50/p99 ms | bare proxy p50/p99 ms | gateway p50/p99 ms |"
                    + " bare-direct p50/p99 ms | gateway-direct p50/p99 ms (overhead) | gateway-bare p50/p99 ms |"
                    + " sent per target | errors");
            for (int c : clientCounts) {
                for (int rate : rates) {
                    // one client per target per setting: connections are pooled across the phases
                    try (HttpClient directHttp = newClient(); HttpClient bareHttp = newClient();
                         HttpClient gatewayHttp = newClient()) {
                        HttpRequest d = request(direct, "sim-key-1");
                        HttpRequest b = request(bare, "sim-key-1");
                        HttpRequest g = request(through, "tg-demo-support");
                        phase(directHttp, d, c, rate, Math.max(1, seconds)); // warm-up, discarded
                        phase(bareHttp, b, c, rate, Math.max(1, seconds));
                        phase(gatewayHttp, g, c, rate, Math.max(1, seconds));
                        Phase dSum = Phase.empty();
                        Phase bSum = Phase.empty();
                        Phase gSum = Phase.empty();
                        for (int r = 0; r < rounds; r++) {
                            if (INTERLEAVE) {
                                Phase[] all = phase(new HttpClient[] {directHttp, bareHttp, gatewayHttp},
                                        new HttpRequest[] {d, b, g}, c, 3 * rate, seconds);
                                dSum = dSum.plus(dump(samples, "direct", c, rate, all[0]));
                                bSum = bSum.plus(dump(samples, "bare", c, rate, all[1]));
                                gSum = gSum.plus(dump(samples, "gateway", c, rate, all[2]));
                                continue;
                            }
                            dSum = dSum.plus(dump(samples, "direct", c, rate, phase(directHttp, d, c, rate, seconds)));
                            bSum = bSum.plus(dump(samples, "bare", c, rate, phase(bareHttp, b, c, rate, seconds)));
                            gSum = gSum.plus(dump(samples, "gateway", c, rate, phase(gatewayHttp, g, c, rate, seconds)));
                        }
                        double dp50 = ms(dSum.latency(), 50);
                        double dp99 = ms(dSum.latency(), 99);
                        double bp50 = ms(bSum.latency(), 50);
                        double bp99 = ms(bSum.latency(), 99);
                        double gp50 = ms(gSum.latency(), 50);
                        double gp99 = ms(gSum.latency(), 99);
                        long errors = dSum.errors() + bSum.errors() + gSum.errors();
                        System.out.printf("%7d | %10d | %7.3f / %7.3f | %7.3f / %7.3f | %7.3f / %7.3f |"
                                        + " %7.3f / %7.3f | %7.3f / %7.3f | %7.3f / %7.3f | %d | %d%n",
                                c, rate, dp50, dp99, bp50, bp99, gp50, gp99, bp50 - dp50, bp99 - dp99,
                                gp50 - dp50, gp99 - dp99, gp50 - bp50, gp99 - bp99,
                                dSum.latency().getTotalCount(), errors);
                        if (errors > 0) {
                            System.out.println("        errors direct " + dSum.kinds() + ", bare " + bSum.kinds()
                                    + ", gateway " + gSum.kinds());
                        }
                    }
                }
            }
            if (samples != null) {
                samples.close();
            }
        }

        private static Phase dump(java.io.PrintWriter samples, String target, int clients, int rate, Phase phase) {
            if (samples != null) {
                for (long[] s : phase.samples()) {
                    samples.printf("%s %d %d %d %d%n", target, clients, rate,
                            EPOCH_MICROS_AT_NANO_ZERO + s[0] / 1_000, s[1]);
                }
            }
            return phase;
        }

        private static double ms(Histogram h, double percentile) {
            return h.getValueAtPercentile(percentile) / 1000.0;
        }

        private static HttpClient newClient() {
            return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        }

        private static HttpRequest request(URI uri, String key) {
            return HttpRequest.newBuilder(uri)
                    .header("Authorization", "Bearer " + key)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(BODY))
                    .build();
        }

        private static Phase phase(HttpClient http, HttpRequest request, int clients, int rate, int seconds)
                throws InterruptedException {
            return phase(new HttpClient[] {http}, new HttpRequest[] {request}, clients, rate, seconds)[0];
        }

        /**
         * One phase: {@code clients} virtual threads, client i sends at start + i/rate + k*clients/rate,
         * at most one request outstanding per client; latency from the intended send time. With
         * several targets, client i's k-th request goes to target (i + k) mod n, so each target gets
         * rate/n and every disturbance of the machine hits all targets at the same moments.
         */
        private static Phase[] phase(HttpClient[] http, HttpRequest[] request, int clients, int rate, int seconds)
                throws InterruptedException {
            int n = http.length;
            long intervalNanos = TimeUnit.SECONDS.toNanos(clients) / rate;
            long staggerNanos = TimeUnit.SECONDS.toNanos(1) / rate;
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
            long end = start + TimeUnit.SECONDS.toNanos(seconds);
            Recorder[] recorders = new Recorder[n];
            AtomicLong[] errors = new AtomicLong[n];
            List<Map<String, Long>> kinds = new ArrayList<>();
            List<java.util.Queue<long[]>> samples = new ArrayList<>();
            for (int t = 0; t < n; t++) {
                recorders[t] = new Recorder(3);
                errors[t] = new AtomicLong();
                kinds.add(new java.util.concurrent.ConcurrentHashMap<>());
                samples.add(new java.util.concurrent.ConcurrentLinkedQueue<>());
            }
            CountDownLatch finished = new CountDownLatch(clients);
            for (int i = 0; i < clients; i++) {
                long first = start + i * staggerNanos;
                int client = i;
                Thread.ofVirtual().start(() -> {
                    try {
                        int k = 0;
                        for (long intended = first; intended < end; intended += intervalNanos, k++) {
                            int t = (client + k) % n;
                            long wait;
                            while ((wait = intended - System.nanoTime()) > 0) {
                                LockSupport.parkNanos(wait);
                            }
                            try {
                                HttpResponse<byte[]> r = http[t].send(request[t], HttpResponse.BodyHandlers.ofByteArray());
                                if (r.statusCode() != 200) {
                                    errors[t].incrementAndGet();
                                    kinds.get(t).merge("HTTP " + r.statusCode(), 1L, Long::sum);
                                }
                            } catch (Exception e) {
                                errors[t].incrementAndGet();
                                kinds.get(t).merge(e.getClass().getSimpleName(), 1L, Long::sum);
                            }
                            long micros = (System.nanoTime() - intended) / 1_000;
                            recorders[t].recordValue(micros);
                            if (SAMPLES != null) {
                                samples.get(t).add(new long[] {intended, micros});
                            }
                        }
                    } finally {
                        finished.countDown();
                    }
                });
            }
            finished.await();
            Phase[] out = new Phase[n];
            for (int t = 0; t < n; t++) {
                out[t] = new Phase(recorders[t].getIntervalHistogram(), errors[t].get(), Map.copyOf(kinds.get(t)),
                        List.copyOf(samples.get(t)));
            }
            return out;
        }
    }

    /** Latencies (microseconds) and errors of one or more phases to one target; samples of one phase if kept. */
    record Phase(Histogram latency, long errors, Map<String, Long> kinds, List<long[]> samples) {

        static Phase empty() {
            return new Phase(new Histogram(3), 0, Map.of(), List.of());
        }

        Phase plus(Phase other) {
            Histogram sum = latency.copy();
            sum.add(other.latency);
            Map<String, Long> k = new HashMap<>(kinds);
            other.kinds.forEach((name, n) -> k.merge(name, n, Long::sum));
            return new Phase(sum, errors + other.errors, Map.copyOf(k), List.of());
        }
    }
}
