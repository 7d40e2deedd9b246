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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * A bounded, ordered, on-disk queue of records: segment files of length-prefixed frames
 * ({@code [int keyLen][key][int valueLen][value]}) plus a {@code position} file naming the first
 * record not yet acknowledged. {@link #append} queues the frame in memory and returns its sequence
 * number; one writer thread writes queued frames in order to the OS page cache, all that queued
 * meanwhile in one gathering write (group commit), usually within a millisecond; {@link #awaitWritten}
 * waits for that write. No caller makes a system call under the lock: a slow write would otherwise
 * stall every call queued behind it. A written frame survives the process being killed (the page cache
 * is the kernel's), not a power cut (no fsync); a frame only queued is lost with the process, so a
 * caller that must not lose it waits for it to be written. A torn frame at the end of the last segment
 * is truncated on open. One consumer reads batches from the committed position and commits after
 * Kafka acknowledged them, so records leave in the order they came and none is dropped.
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
    /** Signalled when frames were written (or the writer failed): the reader waits on it. */
    private final Condition written = lock.newCondition();
    /** Signalled when a frame was queued or the spool is closing: the writer waits on it. */
    private final Condition queuedOrClosing = lock.newCondition();
    private final ArrayDeque<ByteBuffer> queued = new ArrayDeque<>();
    private final Thread writerThread;
    private boolean closing;
    private IOException writeFailure;
    /** Records ever appended and ever written since open: the difference is still in memory. */
    private long appendedCount;
    private long writtenCount;
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
        this.writerThread = Thread.ofPlatform().daemon().name("tollgate-spool-writer").start(this::writeLoop);
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
            Batch b = readFrom(new TreeMap<>(segments), segment, offset, writeSegment, writeOffset, 10_000);
            if (b.isEmpty()) {
                return;
            }
            pendingRecords += b.entries().size();
            pendingBytes += b.bytes();
            segment = b.endSegment();
            offset = b.endOffset();
        }
    }

    /**
     * Queues one record for the writer thread and returns its sequence number (1 for the first record appended
     * since open), for {@link #awaitWritten}. Throws when the last write failed (the record is not queued then),
     * so a broken disk refuses calls instead of piling up in memory.
     */
    public long append(byte[] key, byte[] value) {
        ByteBuffer frame = ByteBuffer.allocate(8 + key.length + value.length);
        frame.putInt(key.length).put(key).putInt(value.length).put(value).flip();
        lock.lock();
        try {
            if (writeFailure != null) {
                throw new UncheckedIOException("cannot append to event spool " + dir + ": "
                        + writeFailure.getMessage(), writeFailure);
            }
            if (closing) {
                throw new IllegalStateException("event spool " + dir + " is closed");
            }
            queued.add(frame);
            appendedCount++;
            pendingRecords++;
            pendingBytes += frame.limit();
            if (queued.size() == 1) {
                queuedOrClosing.signal();
            }
            return appendedCount;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns once the record {@code sequence} (and every record before it) is written to its segment file, so
     * that it survives this process being killed. The writer writes whatever was queued meanwhile in the same
     * write, so concurrent callers share one system call. Throws when the writer failed to write it (the record
     * stays queued and the writer retries; the caller decides whether to go on without the guarantee).
     */
    public void awaitWritten(long sequence) {
        lock.lock();
        try {
            while (writtenCount < sequence) {
                if (writeFailure != null) {
                    throw new UncheckedIOException("event spool " + dir + " could not write record " + sequence
                            + " yet: " + writeFailure.getMessage(), writeFailure);
                }
                if (closing && !writerThread.isAlive()) {
                    throw new IllegalStateException("event spool " + dir + " closed before record " + sequence
                            + " was written");
                }
                written.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The writer thread: takes all queued frames, writes them outside the lock, then publishes the new end. */
    private void writeLoop() {
        List<ByteBuffer> batch = new ArrayList<>();
        while (true) {
            lock.lock();
            try {
                while (queued.isEmpty() && !closing) {
                    queuedOrClosing.awaitUninterruptibly();
                }
                if (queued.isEmpty()) {
                    written.signalAll(); // closing and everything written: nobody waits in vain
                    return;
                }
                batch.addAll(queued);
                queued.clear();
            } finally {
                lock.unlock();
            }
            try {
                write(batch);
            } catch (IOException e) {
                lock.lock();
                try {
                    writeFailure = e;
                    // write() left only the frames not yet written in the batch: keep them first, in order
                    for (int i = batch.size() - 1; i >= 0; i--) {
                        queued.addFirst(batch.get(i).rewind());
                    }
                    written.signalAll();
                } finally {
                    lock.unlock();
                }
                batch.clear();
                LockSupport.parkNanos(WRITE_RETRY_NANOS); // a retry pause; close() still drains what it can
                if (closing && writeFailure != null) {
                    return;
                }
            }
        }
    }

    private static final long WRITE_RETRY_NANOS = 100_000_000L;

    /**
     * Writes frames in order, rolling segments as they fill, and removes each written frame from
     * {@code frames}; only this method (on the writer thread) moves the write position. After a
     * failed write the channel is put back at the last published end, so a retry rewrites whole frames.
     */
    private void write(List<ByteBuffer> frames) throws IOException {
        try {
            writeRuns(frames);
        } catch (IOException e) {
            try {
                writer.position(writeOffset);
            } catch (IOException ignored) {
                // the channel itself is broken: the retry fails again and appends keep being refused
            }
            throw e;
        }
    }

    private void writeRuns(List<ByteBuffer> frames) throws IOException {
        while (!frames.isEmpty()) {
            if (writeOffset > 0 && writeOffset + frames.get(0).remaining() > segmentBytes) {
                roll();
            }
            // the frames that fit in this segment (at least one), in one gathering write
            int n = 0;
            long bytes = 0;
            while (n < frames.size() && (n == 0 || writeOffset + bytes + frames.get(n).remaining() <= segmentBytes)) {
                bytes += frames.get(n).remaining();
                n++;
            }
            ByteBuffer[] run = frames.subList(0, n).toArray(ByteBuffer[]::new);
            long done = 0;
            while (done < bytes) {
                done += writer.write(run);
            }
            lock.lock();
            try {
                writeOffset += bytes;
                writtenCount += n;
                writeFailure = null;
                written.signalAll();
            } finally {
                lock.unlock();
            }
            frames.subList(0, n).clear();
        }
    }

    private void roll() throws IOException {
        Path next = segmentPath(writeSegment + 1);
        FileChannel opened = FileChannel.open(next, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ);
        writer.close();
        writer = opened;
        lock.lock();
        try {
            writeSegment++;
            segments.put(writeSegment, next);
            writeOffset = 0;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Up to {@code maxRecords} records from the committed position; waits up to {@code waitMillis}
     * for one, and always for records already appended to be written (so a record appended before
     * this call is in the batch). Only the positions are taken under the lock: the bytes up to the
     * write position never change, so the disk reads run without holding up appends.
     */
    public Batch read(int maxRecords, long waitMillis) throws InterruptedException {
        long segment;
        long offset;
        long lastSegment;
        long lastOffset;
        TreeMap<Long, Path> files;
        lock.lock();
        try {
            // records appended before this call are read by it: wait for the writer to put them on disk
            long appendedBefore = appendedCount;
            while (writtenCount < appendedBefore && writeFailure == null && !closing) {
                written.await(WRITE_RETRY_NANOS, TimeUnit.NANOSECONDS);
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
            long left;
            while (pendingRecords - (appendedCount - writtenCount) <= 0 && !closing
                    && (left = deadline - System.nanoTime()) > 0) {
                written.awaitNanos(left);
            }
            segment = readSegment;
            offset = readOffset;
            lastSegment = writeSegment;
            lastOffset = writeOffset;
            files = new TreeMap<>(segments.tailMap(readSegment));
        } finally {
            lock.unlock();
        }
        try {
            return readFrom(files, segment, offset, lastSegment, lastOffset, maxRecords);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read event spool " + dir + ": " + e.getMessage(), e);
        }
    }

    private static final int READ_CHUNK = 1 << 20;

    /** Reads whole frames between (segment, offset) and (lastSegment, lastOffset), one read per chunk. */
    private static Batch readFrom(TreeMap<Long, Path> files, long segment, long offset, long lastSegment,
                                  long lastOffset, int maxRecords) throws IOException {
        List<Entry> entries = new ArrayList<>();
        long bytes = 0;
        while (entries.size() < maxRecords) {
            Path path = files.get(segment);
            if (path == null) {
                break;
            }
            long end = segment == lastSegment ? lastOffset : Files.size(path);
            if (offset >= end) {
                if (segment >= lastSegment) {
                    break;
                }
                segment++;
                offset = 0;
                continue;
            }
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                while (offset < end && entries.size() < maxRecords) {
                    ByteBuffer chunk = readFully(ch, offset, (int) Math.min(end - offset, READ_CHUNK));
                    int parsed = 0;
                    while (entries.size() < maxRecords && chunk.remaining() >= 4) {
                        int start = chunk.position();
                        int keyLength = chunk.getInt();
                        if (chunk.remaining() < keyLength + 4) {
                            chunk.position(start);
                            break;
                        }
                        byte[] key = new byte[keyLength];
                        chunk.get(key);
                        int valueLength = chunk.getInt();
                        if (chunk.remaining() < valueLength) {
                            chunk.position(start);
                            break;
                        }
                        byte[] value = new byte[valueLength];
                        chunk.get(value);
                        entries.add(new Entry(key, value));
                        parsed += 8 + keyLength + valueLength;
                    }
                    if (parsed == 0) {
                        // one frame larger than a chunk: read exactly that frame
                        ByteBuffer header = readFully(ch, offset, 4);
                        int keyLength = header.getInt();
                        int valueLength = readFully(ch, offset + 4 + keyLength, 4).getInt();
                        ByteBuffer frame = readFully(ch, offset, 8 + keyLength + valueLength);
                        byte[] key = new byte[keyLength];
                        frame.position(4);
                        frame.get(key);
                        frame.getInt();
                        byte[] value = new byte[valueLength];
                        frame.get(value);
                        entries.add(new Entry(key, value));
                        parsed = 8 + keyLength + valueLength;
                    }
                    offset += parsed;
                    bytes += parsed;
                }
            }
        }
        Path current = files.get(segment);
        if (segment < lastSegment && current != null && offset >= Files.size(current)) {
            segment++; // the batch ended a segment: committing it lets that segment be deleted
            offset = 0;
        }
        return new Batch(entries, segment, offset, bytes);
    }

    private static ByteBuffer readFully(FileChannel ch, long at, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (ch.read(buffer, at + buffer.position()) < 0) {
                throw new IOException("spool segment ends inside a frame at " + (at + buffer.position()));
            }
        }
        return buffer.flip();
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

    /** Writes what is queued, then persists the position; appends after this fail. */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            queuedOrClosing.signal();
        } finally {
            lock.unlock();
        }
        try {
            writerThread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
