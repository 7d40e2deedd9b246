package io.tollgate.localstack.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * A {@code main} class run in a JVM of its own, as it runs in production: this JVM's {@code java} and class
 * path, an environment of its own, its output (stdout and stderr) copied line by line to a log file. It can be
 * stopped gracefully (SIGTERM: shutdown hooks run) or killed (SIGKILL: nothing runs), and started again with
 * the same settings. The child runs under {@link ParentWatch}, so it ends when this JVM dies without stopping
 * it. For tests and benchmarks that kill services one by one.
 */
public final class JavaProcess implements AutoCloseable {

    private static final int TAIL_LINES = 60;
    /** Lines of a run kept for {@link #awaitLine} (a long run's later lines are only in the log file). */
    private static final int MAX_LINES = 100_000;

    private final Settings settings;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition lineSeen = lock.newCondition();
    /** Lines of the current run, for {@link #awaitLine}; the log file keeps every run. */
    private final List<String> lines = new ArrayList<>();
    private final Deque<String> tail = new ArrayDeque<>();
    private Process process;
    private Thread pump;
    private Thread reaper;
    private int runs;

    /** What to run and how; {@link Builder} gives each a default. */
    private record Settings(String name, String mainClass, List<String> args, Map<String, String> env,
                            List<String> jvmOptions, String classPath, Path logFile) {
    }

    private JavaProcess(Settings settings) {
        this.settings = settings;
    }

    /** A process named {@code name} (in messages) running {@code mainClass}'s {@code main}. */
    public static Builder builder(String name, String mainClass) {
        return new Builder(name, mainClass);
    }

    /** Starts (or starts again after {@link #stop} or {@link #kill}) the JVM; returns at once. */
    public JavaProcess start() {
        lock.lock();
        try {
            if (process != null && process.isAlive()) {
                throw new IllegalStateException(settings.name() + " is already running as pid " + process.pid());
            }
            lines.clear();
            runs++;
        } finally {
            lock.unlock();
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(settings.jvmOptions());
        command.add("-cp");
        command.add(settings.classPath());
        command.add(ParentWatch.class.getName());
        command.add(settings.mainClass());
        command.addAll(settings.args());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        builder.environment().clear();
        builder.environment().putAll(settings.env());
        try {
            Files.createDirectories(settings.logFile().toAbsolutePath().getParent());
            appendToLog("---- " + settings.name() + " run " + runs + ": " + String.join(" ", settings.args()));
            Process started = builder.start();
            lock.lock();
            try {
                process = started;
            } finally {
                lock.unlock();
            }
            pump = Thread.ofPlatform().daemon().name("output-of-" + settings.name()).start(() -> copyOutput(started));
            reaper = new Thread(() -> started.destroyForcibly(), "kill-" + settings.name());
            Runtime.getRuntime().addShutdownHook(reaper);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + settings.name() + " (" + settings.mainClass() + "): "
                    + e.getMessage(), e);
        }
    }

    private void copyOutput(Process started) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(started.getInputStream(),
                StandardCharsets.UTF_8));
             Writer log = Files.newBufferedWriter(settings.logFile(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                     StandardOpenOption.APPEND)) {
            String line;
            while ((line = reader.readLine()) != null) {
                log.write(line);
                log.write('\n');
                log.flush();
                lock.lock();
                try {
                    if (process == started && lines.size() < MAX_LINES) {
                        lines.add(line);
                    }
                    tail.addLast(line);
                    if (tail.size() > TAIL_LINES) {
                        tail.removeFirst();
                    }
                    lineSeen.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        } catch (IOException e) {
            // the process died with its pipe: what it wrote until then is in the log
        } finally {
            lock.lock();
            try {
                lineSeen.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Waits until the current run printed a line matching {@code line}; returns it. Fails with the output's tail
     * when the process ends first or {@code timeout} passes.
     */
    public String awaitLine(Predicate<String> line, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            int checked = 0;
            while (true) {
                for (; checked < lines.size(); checked++) {
                    if (line.test(lines.get(checked))) {
                        return lines.get(checked);
                    }
                }
                if (process == null || !process.isAlive() && !pump.isAlive()) {
                    throw new IllegalStateException(settings.name() + " ended (exit code "
                            + (process == null ? "-" : process.exitValue()) + ") before printing the line awaited; "
                            + "its output:\n" + tailText());
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException(settings.name() + " did not print the line awaited within "
                            + timeout + "; its output:\n" + tailText());
                }
                lineSeen.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + settings.name(), e);
        } finally {
            lock.unlock();
        }
    }

    /** SIGTERM, then waits up to {@code grace} for the JVM to end (its shutdown hooks run); SIGKILL after that. */
    public void stop(Duration grace) {
        Process current = current();
        if (current == null) {
            return;
        }
        current.destroy();
        try {
            if (!current.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                appendToLog("---- " + settings.name() + " did not stop within " + grace + " of SIGTERM: killed");
                current.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            current.destroyForcibly();
        }
        ended(current);
    }

    /** SIGKILL: the JVM ends at once, nothing of it runs any more (no shutdown hook, no buffered write). */
    public void kill() {
        Process current = current();
        if (current == null) {
            return;
        }
        appendToLog("---- " + settings.name() + " killed (SIGKILL)");
        try {
            current.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ended(current);
    }

    private void ended(Process current) {
        try {
            pump.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException shuttingDown) {
            // this JVM is already exiting: the hook kills what is left
        }
        appendToLog("---- " + settings.name() + " ended with exit code " + current.exitValue());
    }

    private Process current() {
        lock.lock();
        try {
            return process != null && process.isAlive() ? process : null;
        } finally {
            lock.unlock();
        }
    }

    public boolean isAlive() {
        return current() != null;
    }

    /** The process id of the current run; empty when not running. */
    public Optional<Long> pid() {
        return Optional.ofNullable(current()).map(Process::pid);
    }

    public String name() {
        return settings.name();
    }

    public Path logFile() {
        return settings.logFile();
    }

    /** The last lines the process printed (any run), for failure messages. */
    public String tailText() {
        lock.lock();
        try {
            return String.join("\n", tail);
        } finally {
            lock.unlock();
        }
    }

    private void appendToLog(String line) {
        try {
            Files.writeString(settings.logFile(), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the log of " + settings.name() + " at " + settings.logFile(), e);
        }
    }

    /** Stops the process gracefully (up to 30 s, then killed). */
    @Override
    public void close() {
        stop(Duration.ofSeconds(30));
    }

    /** Options of a {@link JavaProcess}. */
    public static final class Builder {
        private final String name;
        private final String mainClass;
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<String> jvmOptions = new ArrayList<>(List.of("-Xmx256m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1"));
        private String classPath = currentClassPath();
        private Path logFile;

        private Builder(String name, String mainClass) {
            this.name = name;
            this.mainClass = mainClass;
        }

        /** This JVM's class path: Surefire and Failsafe name the real one apart from their booter jar. */
        public static String currentClassPath() {
            return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        }

        public Builder args(List<String> values) {
            args.addAll(values);
            return this;
        }

        /**
         * An environment variable of the child; the child inherits none of this JVM's but {@code PATH},
         * {@code HOME}, {@code LANG} and {@code TMPDIR}, so that only what is set here configures it.
         */
        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        public Builder env(Map<String, String> values) {
            env.putAll(values);
            return this;
        }

        /**
         * JVM options in place of the defaults ({@code -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}:
         * small, quick to start, modest on CPU; fit for tests on a small machine).
         */
        public Builder jvmOptions(List<String> options) {
            jvmOptions.clear();
            jvmOptions.addAll(options);
            return this;
        }

        public Builder classPath(String value) {
            classPath = value;
            return this;
        }

        /** Where the output goes (appended across runs); required. */
        public Builder logFile(Path file) {
            logFile = file;
            return this;
        }

        public JavaProcess build() {
            if (logFile == null) {
                throw new IllegalArgumentException("the process " + name + " needs a log file for its output");
            }
            Map<String, String> environment = new LinkedHashMap<>();
            for (String inherited : List.of("PATH", "HOME", "LANG", "TMPDIR")) {
                String value = System.getenv(inherited);
                if (value != null) {
                    environment.put(inherited, value);
                }
            }
            environment.putAll(env);
            return new JavaProcess(new Settings(name, mainClass, List.copyOf(args), Map.copyOf(environment),
                    List.copyOf(jvmOptions), classPath, logFile));
        }

        /** {@code build().start()}. */
        public JavaProcess start() {
            return build().start();
        }
    }
}
