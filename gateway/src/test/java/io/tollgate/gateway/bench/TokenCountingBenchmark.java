package io.tollgate.gateway.bench;

import io.tollgate.gateway.tokens.Tokenizer;
import io.tollgate.gateway.tokens.Tokenizers;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Token counting throughput of the gateway's tokenizers on a 64 KiB mix of English prose, code and
 * JSON (what agents send). MB/s = ops/s x {@link #TEXT_BYTES} / 1e6; the runner prints both.
 * Run: see gateway/README.md ("Benchmarks").
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TokenCountingBenchmark {

    static final String PARAGRAPH = """
            The gateway sits between agents and model providers. Every call is counted twice: once before it \
            leaves, to reserve capacity, and once when the provider answers, to settle the actual figures. \
            Budgets are kept in integer micro-dollars so that sums stay exact across millions of events.
            ```java
            public long micros(long prompt, long completion, long inputPrice, long outputPrice) {
                return (prompt * inputPrice + completion * outputPrice + 500_000) / 1_000_000;
            }
            ```
            {"model": "gpt-4o", "messages": [{"role": "user", "content": "Summarise the quarterly report in 3 bullet points."}], "max_tokens": 256}
            Step 1: read the file. Step 2: find the totals for 2025-Q3 (revenue 12,450,000 EUR; costs 9,870,000 EUR).
            """;
    static final String TEXT;
    static final int TEXT_BYTES;

    static {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 64 * 1024) {
            sb.append(PARAGRAPH);
        }
        TEXT = sb.toString();
        TEXT_BYTES = TEXT.getBytes(StandardCharsets.UTF_8).length;
    }

    @Param({"cl100k_base", "o200k_base"})
    public String encoding;

    private Tokenizer tokenizer;

    @Setup
    public void setUp() {
        tokenizer = new Tokenizers().forName(encoding);
    }

    /** Prints the size of the benchmark text, to turn ops/s into MB/s. */
    public static void main(String[] args) {
        System.out.println("text bytes (UTF-8): " + TEXT_BYTES);
    }

    @Benchmark
    public int count() {
        return tokenizer.count(TEXT);
    }
}
