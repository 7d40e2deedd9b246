package io.tollgate.gateway.events;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * A bounded, ordered, on-disk queue of records: segment files of length-prefixed frames
 * ({@code [int keyLen][key][int valueLen][value]}) plus a {@code position} file naming the first
 * record not yet acknowledged. Appends go to the OS page cache (they survive a process crash,
 * not a power cut); a torn frame at the end of the last segment is truncated on open. One
 * consumer reads batches from the committed position and commits after Kafka acknowledged them,
 * so records leave in the order they came and none is dropped.
 */
public final class Spool implements AutoCloseable {

    /** One record and where the next one starts. */
    public record Entry(byte[] key, byte[] value) {
    }

    /** A batch read from the spool and the position just after it. */
    public record Batch(List<Entry> entries, long endSegment, long endOffset, long bytes) {
        public boolean isEmpty() {
            return entries.isEmpty();
        }
    }

    private static final String SUFFIX = ".spool";
    private static final String POSITION_FILE = "position";

    private final Path dir;
    private final long segmentBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition appended = lock.newCondition();
    private final TreeMap<Long, Path> segments = new TreeMap<>();
    private FileChannel writer;
    private long writeSegment;
    private long writeOffset;
    private long readSegment;
    private long readOffset;
    private long pendingRecords;
    private long pendingBytes;
    private long positionWrittenNanos = System.nanoTime();
    private static final long POSITION_INTERVAL_NANOS = 200_000_000L;

    public Spool(Path dir, long segmentBytes) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        try {
            Files.createDirectories(dir);
            open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open event spool in " + dir + ": " + e.getMessage(), e);
        }
    }

    private void open() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(p -> p.getFileName().toString().endsWith(SUFFIX))
                    .forEach(p -> segments.put(segmentNumber(p), p));
        }
        Path position = dir.resolve(POSITION_FILE);
        if (Files.exists(position)) {
            String[] parts = Files.readString(position).trim().split(" ");
            readSegment = Long.parseLong(parts[0]);
            readOffset = Long.parseLong(parts[1]);
        } else {
            readSegment = segments.isEmpty() ? 0 : segments.firstKey();
        }
        segments.headMap(readSegment).values().forEach(Spool::deleteQuietly);
        segments.headMap(readSegment).clear();
        if (segments.isEmpty()) {
            segments.put(readSegment, segmentPath(readSegment));
            readOffset = 0;
        }
        writeSegment = segments.lastKey();
        writer = FileChannel.open(segments.get(writeSegment), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ);
        writeOffset = validLength(writer);
        writer.truncate(writeOffset);
        writer.position(writeOffset);
        countPending();
    }

    /** Length of the complete frames at the start of a segment: a crash may leave a torn frame. */
    private static long validLength(FileChannel ch) throws IOException {
        long size = ch.size();
        long pos = 0;
        ByteBuffer len = ByteBuffer.allocate(4);
        while (true) {
            long frameStart = pos;
            for (int part = 0; part < 2; part++) {
                len.clear();
                if (pos + 4 > size || ch.read(len, pos) < 4) {
                    return frameStart;
                }
                pos += 4 + len.flip().getInt();
                if (pos > size) {
                    return frameStart;
                }
            }
        }
    }

    private void countPending() throws IOException {
        long segment = readSegment;
        long offset = readOffset;
        while (true) {
            Batch b = readFrom(segment, offset, Integer.MAX_VALUE);
            if (b.isEmpty()) {
                return;
            }
            pendingRecords += b.entries().size();
            pendingBytes += b.bytes();
            segment = b.endSegment();
            offset = b.endOffset();
        }
    }

    public void append(byte[] key, byte[] value) {
        ByteBuffer frame = ByteBuffer.allocate(8 + key.length + value.length);
        frame.putInt(key.length).put(key).putInt(value.length).put(value).flip();
        lock.lock();
        try {
            if (writeOffset > 0 && writeOffset + frame.remaining() > segmentBytes) {
                roll();
            }
            while (frame.hasRemaining()) {
                writeOffset += writer.write(frame);
            }
            pendingRecords++;
            pendingBytes += frame.limit();
            appended.signalAll();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to event spool " + dir + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private void roll() throws IOException {
        writer.close();
        writeSegment++;
        Path next = segmentPath(writeSegment);
        segments.put(writeSegment, next);
        writer = FileChannel.open(next, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        writeOffset = 0;
    }

    /** Up to {@code maxRecords} records from the committed position; waits up to {@code waitMillis} for one. */
    public Batch read(int maxRecords, long waitMillis) throws InterruptedException {
        lock.lock();
        try {
            if (pendingRecords == 0) {
                appended.await(waitMillis, TimeUnit.MILLISECONDS);
            }
            return readFrom(readSegment, readOffset, maxRecords);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read event spool " + dir + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private Batch readFrom(long segment, long offset, int maxRecords) throws IOException {
        List<Entry> entries = new ArrayList<>();
        long bytes = 0;
        while (entries.size() < maxRecords) {
            Path path = segments.get(segment);
            if (path == null) {
                break;
            }
            long end = segment == writeSegment ? writeOffset : Files.size(path);
            if (offset >= end) {
                if (segment >= writeSegment) {
                    break;
                }
                segment++;
                offset = 0;
                continue;
            }
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                while (offset < end && entries.size() < maxRecords) {
                    byte[] key = readBlock(ch, offset);
                    byte[] value = readBlock(ch, offset + 4 + key.length);
                    entries.add(new Entry(key, value));
                    long frame = 8L + key.length + value.length;
                    offset += frame;
                    bytes += frame;
                }
            }
        }
        if (segment < writeSegment && segments.containsKey(segment) && offset >= Files.size(segments.get(segment))) {
            segment++; // the batch ended a segment: committing it lets that segment be deleted
            offset = 0;
        }
        return new Batch(entries, segment, offset, bytes);
    }

    private static byte[] readBlock(FileChannel ch, long at) throws IOException {
        ByteBuffer len = ByteBuffer.allocate(4);
        ch.read(len, at);
        ByteBuffer data = ByteBuffer.allocate(len.flip().getInt());
        while (data.hasRemaining()) {
            ch.read(data, at + 4 + data.position());
        }
        return data.array();
    }

    /** The batch reached Kafka: move the committed position past it and drop finished segments. */
    public void commit(Batch batch) {
        lock.lock();
        try {
            readSegment = batch.endSegment();
            readOffset = batch.endOffset();
            pendingRecords -= batch.entries().size();
            pendingBytes -= batch.bytes();
            long now = System.nanoTime();
            boolean segmentDone = !segments.headMap(readSegment).isEmpty();
            // persisting the position costs a write and a rename: at most every 200 ms (and when a
            // segment is finished, before it is deleted). A crash may replay up to that much, which
            // consumers absorb by de-duplicating on eventId.
            if (segmentDone || now - positionWrittenNanos > POSITION_INTERVAL_NANOS) {
                writePosition();
                positionWrittenNanos = now;
            }
            var finished = segments.headMap(readSegment);
            finished.values().forEach(Spool::deleteQuietly);
            finished.clear();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot commit event spool position in " + dir + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private void writePosition() throws IOException {
        Path tmp = dir.resolve(POSITION_FILE + ".tmp");
        Files.writeString(tmp, readSegment + " " + readOffset, StandardCharsets.US_ASCII);
        Files.move(tmp, dir.resolve(POSITION_FILE), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    public long pendingRecords() {
        lock.lock();
        try {
            return pendingRecords;
        } finally {
            lock.unlock();
        }
    }

    public long pendingBytes() {
        lock.lock();
        try {
            return pendingBytes;
        } finally {
            lock.unlock();
        }
    }

    public Path dir() {
        return dir;
    }

    private Path segmentPath(long n) {
        return dir.resolve(String.format("%020d%s", n, SUFFIX));
    }

    private static long segmentNumber(Path p) {
        String name = p.getFileName().toString();
        return Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // a leftover finished segment is harmless: it is before the committed position
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            writePosition();
            writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            lock.unlock();
        }
    }
}
