package io.tollgate.gateway.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {

    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> values(Spool.Batch batch) {
        List<String> out = new ArrayList<>();
        batch.entries().forEach(e -> out.add(new String(e.value(), StandardCharsets.UTF_8)));
        return out;
    }

    @Test
    void shouldReturnRecordsInOrderAcrossSegmentsWhenRead() throws Exception {
        // Given segments of 64 bytes: each holds a few records
        try (Spool spool = new Spool(dir, 64)) {
            for (int i = 0; i < 20; i++) {
                spool.append(b("k"), b("event-" + i));
            }

            // When
            Spool.Batch batch = spool.read(100, 0);

            // Then
            assertThat(values(batch)).hasSize(20).startsWith("event-0", "event-1").endsWith("event-19");
            assertThat(spool.pendingRecords()).isEqualTo(20);
            spool.commit(batch);
            assertThat(spool.pendingRecords()).isZero();
            assertThat(spool.pendingBytes()).isZero();
        }
    }

    @Test
    void shouldResumeAfterTheCommittedPositionWhenReopened() throws Exception {
        // Given 5 records, the first 3 committed
        try (Spool spool = new Spool(dir, 1024)) {
            for (int i = 0; i < 5; i++) {
                spool.append(b("k"), b("e" + i));
            }
            spool.commit(spool.read(3, 0));
        }

        // When
        try (Spool reopened = new Spool(dir, 1024)) {
            // Then
            assertThat(reopened.pendingRecords()).isEqualTo(2);
            assertThat(values(reopened.read(10, 0))).containsExactly("e3", "e4");
        }
    }

    @Test
    void shouldDropATornFrameWhenTheProcessDiedMidAppend() throws Exception {
        try (Spool spool = new Spool(dir, 1024)) {
            spool.append(b("k"), b("whole"));
        }
        Path segment;
        try (var files = Files.list(dir)) {
            segment = files.filter(p -> p.toString().endsWith(".spool")).findFirst().orElseThrow();
        }
        Files.write(segment, new byte[] {0, 0, 0, 1, 'k', 0, 0, 0, 9, 'x'}, StandardOpenOption.APPEND);

        try (Spool reopened = new Spool(dir, 1024)) {
            assertThat(reopened.pendingRecords()).isEqualTo(1);
            reopened.append(b("k"), b("after"));
            assertThat(values(reopened.read(10, 0))).containsExactly("whole", "after");
        }
    }

    @Test
    void shouldDeleteFinishedSegmentsWhenCommitted() throws Exception {
        try (Spool spool = new Spool(dir, 32)) {
            for (int i = 0; i < 10; i++) {
                spool.append(b("key"), b("value-" + i));
            }
            spool.commit(spool.read(9, 0));
            try (var files = Files.list(dir)) {
                assertThat(files.filter(p -> p.toString().endsWith(".spool")).count()).isEqualTo(1);
            }
            assertThat(values(spool.read(10, 0))).containsExactly("value-9");
        }
    }

    @Test
    void shouldReadARecordLargerThanOneReadChunkWhenItIsBetweenSmallOnes() throws Exception {
        byte[] big = new byte[(1 << 20) + 123];
        big[big.length - 1] = 7;
        try (Spool spool = new Spool(dir, 8L << 20)) {
            spool.append(b("k"), b("small-1"));
            spool.append(b("k"), big);
            spool.append(b("k"), b("small-2"));

            Spool.Batch first = spool.read(10, 0);
            spool.commit(first);
            Spool.Batch rest = spool.read(10, 0);

            List<byte[]> all = new ArrayList<>();
            first.entries().forEach(e -> all.add(e.value()));
            rest.entries().forEach(e -> all.add(e.value()));
            assertThat(all).hasSize(3);
            assertThat(all.get(1)).hasSize(big.length).endsWith((byte) 7);
            assertThat(new String(all.get(2), StandardCharsets.UTF_8)).isEqualTo("small-2");
            spool.commit(rest);
            assertThat(spool.pendingRecords()).isZero();
        }
    }

    @Test
    void shouldKeepEveryThreadsAppendsInOrderWhenThreadsAppendConcurrently() throws Exception {
        // Given 8 threads appending 500 records each to small segments, none waiting for its record to be written
        int threads = 8;
        int each = 500;
        try (Spool spool = new Spool(dir, 4096)) {
            List<Thread> appenders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String name = "t" + t;
                appenders.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < each; i++) {
                        spool.append(b(name), b(name + ":" + i));
                    }
                }));
            }
            for (Thread appender : appenders) {
                appender.join();
            }

            // When every record is read back in batches
            List<String> all = new ArrayList<>();
            while (all.size() < threads * each) {
                Spool.Batch batch = spool.read(300, 0);
                assertThat(batch.isEmpty()).as("records appended before read are readable").isFalse();
                all.addAll(values(batch));
                spool.commit(batch);
            }

            // Then none is lost or repeated and each thread's records keep their order
            assertThat(all).hasSize(threads * each).doesNotHaveDuplicates();
            for (int t = 0; t < threads; t++) {
                String prefix = "t" + t + ":";
                List<Integer> seen = all.stream().filter(v -> v.startsWith(prefix))
                        .map(v -> Integer.parseInt(v.substring(prefix.length()))).toList();
                assertThat(seen).isSorted().hasSize(each);
            }
            assertThat(spool.pendingRecords()).isZero();
        }
    }

    @Test
    void shouldWriteQueuedRecordsBeforeClosingWhenClosedRightAfterAppending() throws Exception {
        // Given records appended and the spool closed at once
        try (Spool spool = new Spool(dir, 1024)) {
            for (int i = 0; i < 100; i++) {
                spool.append(b("k"), b("e" + i));
            }
        }

        // When reopened
        try (Spool reopened = new Spool(dir, 1024)) {
            // Then all of them were written
            assertThat(reopened.pendingRecords()).isEqualTo(100);
            assertThat(values(reopened.read(200, 0))).hasSize(100).startsWith("e0").endsWith("e99");
        }
    }

    @Test
    void shouldHaveTheRecordInItsFileWhenAwaitWrittenReturns() throws Exception {
        // Given 8 threads appending records of one size, each waiting for its record to be written
        int threads = 8;
        int each = 200;
        long frame = 8 + 1 + "value-0000".length();
        List<String> shortfalls = java.util.Collections.synchronizedList(new ArrayList<>());
        try (Spool spool = new Spool(dir, 1 << 20)) {
            List<Thread> appenders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                appenders.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < each; i++) {
                        // When a record was appended and awaitWritten returned
                        long sequence = spool.append(b("k"), b("value-%04d".formatted(i)));
                        spool.awaitWritten(sequence);

                        // Then its segment file already holds it and every record before it: a kill now keeps them
                        long onDisk = segmentBytes();
                        if (onDisk < sequence * frame) {
                            shortfalls.add("record " + sequence + ": " + onDisk + " bytes on disk");
                        }
                    }
                }));
            }
            for (Thread appender : appenders) {
                appender.join();
            }

            // And a copy of the directory taken now, as a killed process leaves it, holds every record
            Path copy = Files.createDirectories(dir.resolveSibling(dir.getFileName() + "-copy"));
            try (var files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.copy(file, copy.resolve(file.getFileName()));
                }
            }
            try (Spool afterKill = new Spool(copy, 1 << 20)) {
                assertThat(afterKill.pendingRecords()).isEqualTo(threads * each);
            }
        }
        assertThat(shortfalls).isEmpty();
    }

    @Test
    void shouldKeepWritingForOtherCallersWhenACallerThatWritesIsInterrupted() throws Exception {
        // Given a spool written by its callers' threads
        try (Spool spool = new Spool(dir, 1 << 20)) {
            // When a caller whose thread is interrupted writes its record
            Thread interrupted = Thread.ofVirtual().unstarted(() -> {
                Thread.currentThread().interrupt();
                spool.awaitWritten(spool.append(b("k"), b("interrupted")));
            });
            interrupted.start();
            interrupted.join();

            // Then the next caller's record is written too: the interrupt closed nothing
            spool.awaitWritten(spool.append(b("k"), b("next")));
            assertThat(values(spool.read(10, 0))).containsExactly("interrupted", "next");
        }
    }

    private long segmentBytes() {
        try (var files = Files.list(dir)) {
            long total = 0;
            for (Path file : files.filter(p -> p.toString().endsWith(".spool")).toList()) {
                total += Files.size(file);
            }
            return total;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
