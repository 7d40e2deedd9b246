package io.tollgate.gateway.bench;

import io.tollgate.gateway.events.Spool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the request path pays per usage event for the spool's guarantee: {@code queued} appends only (the event
 * would be lost if the process died before it was written), {@code written} appends and returns once the
 * record is in the file (written by this caller, or by the combined write of another in progress). A call publishes two events. Latency per event
 * (SampleTime: p50, p99); run with {@code -t 1} and {@code -t 16} for one and many concurrent calls. A reader
 * commits what was written, as the Kafka sender does, so the spool stays small.
 * Run: see gateway/README.md ("Benchmarks").
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SpoolWriteBenchmark {

    /** A usage event's size in the spool (Avro single-object encoding of a typical RESPONSE). */
    private static final byte[] VALUE = new byte[420];
    private static final byte[] KEY = "bench-key-0001".getBytes();

    private Path dir;
    private Spool spool;
    private Thread drainer;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("spool-bench");
        spool = new Spool(dir, 64L * 1024 * 1024);
        drainer = Thread.ofPlatform().daemon().name("bench-drainer").start(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Spool.Batch batch = spool.read(500, 50);
                    if (!batch.isEmpty()) {
                        spool.commit(batch);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        drainer.interrupt();
        drainer.join();
        spool.close();
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }

    @Benchmark
    public long queued() {
        return spool.append(KEY, VALUE);
    }

    @Benchmark
    public long written() {
        long sequence = spool.append(KEY, VALUE);
        spool.awaitWritten(sequence);
        return sequence;
    }
}
