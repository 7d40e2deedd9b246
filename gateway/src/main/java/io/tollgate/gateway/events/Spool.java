package io.tollgate.gateway.events;

import java.io.IOException;
import java.io.RandomAccessFile;
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
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * A bounded, ordered, on-disk queue of records: segment files of length-prefixed frames
 * ({@code [int keyLen][key][int valueLen][value]}) plus a {@code position} file naming the first
 * record not yet acknowledged. {@link #append} queues the frame in memory and returns its sequence
 * number; {@link #awaitWritten} returns once that frame is in its segment file. The writes combine:
 * the caller that finds no write in progress takes every queued frame (its own among them) and writes
 * them in one system call, outside the lock; callers that find a write in progress wait for it and
 * then, if theirs is still queued, one of them writes the next batch. Under load that is group commit
 * (one write per batch); a lone caller writes its own frame at once, with no hand-off to another
 * thread and back. A written frame survives the process being killed (the page cache is the
 * kernel's), not a power cut (no fsync); a frame only queued is lost with the process, so a caller
 * that must not lose it waits for it to be written. A torn frame at the end of the last segment is
 * truncated on open. One consumer reads batches from the committed position and commits after
 * Kafka acknowledged them, so records leave in the order they came and none is dropped.
 *
 * <p>Segments are written through {@link RandomAccessFile}, not a {@code FileChannel}: the callers are
 * request threads, and an interrupted thread writing to a {@code FileChannel} closes it for everyone.
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
    private final Path positionFile;
    /** Held while the position file is written, never together with a wait for {@link #lock}. */
    private final ReentrantLock positionLock = new ReentrantLock();
    private final long segmentBytes;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a write ended (written or failed): callers waiting for theirs and the reader wait on it. */
    private final Condition written = lock.newCondition();
    private final ArrayDeque<byte[]> queued = new ArrayDeque<>();
    /** A thread is writing a batch outside the lock; only that thread touches the segment file meanwhile. */
    private boolean writing;
    private boolean closing;
    private boolean closed;
    private IOException writeFailure;
    /** Records ever appended and ever written since open: the difference is still in memory. */
    private long appendedCount;
    private long writtenCount;
    private final TreeMap<Long, Path> segments = new TreeMap<>();
    private RandomAccessFile writer;
    private long writeSegment;
    private long writeOffset;
    private long readSegment;
    private long readOffset;
    private long pendingRecords;
    private long pendingBytes;
    private long positionWrittenNanos = System.nanoTime();
    private static final long POSITION_INTERVAL_NANOS = 200_000_000L;
    private static final long WRITE_RETRY_NANOS = 100_000_000L;

    public Spool(Path dir, long segmentBytes) {
        this.dir = dir;
        this.positionFile = dir.resolve(POSITION_FILE);
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
        try (FileChannel ch = FileChannel.open(segments.get(writeSegment), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            writeOffset = validLength(ch);
            ch.truncate(writeOffset);
        }
        writer = new RandomAccessFile(segments.get(writeSegment).toFile(), "rw");
        writer.seek(writeOffset);
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
     * Queues one record and returns its sequence number (1 for the first record appended since open), for
     * {@link #awaitWritten}, which writes it. Throws when the last write failed (the record is not queued then),
     * so a broken disk refuses calls instead of piling up in memory.
     */
    public long append(byte[] key, byte[] value) {
        byte[] frame = ByteBuffer.allocate(8 + key.length + value.length)
                .putInt(key.length).put(key).putInt(value.length).put(value).array();
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
            pendingBytes += frame.length;
            return appendedCount;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns once the record {@code sequence} (and every record before it) is written to its segment file, so
     * that it survives this process being killed. When no write is in progress the caller writes every queued
     * record itself, in one system call; otherwise it waits for that write, whose batch usually holds its
     * record too, and writes the rest if not. Throws when the write of its record failed (the record stays
     * queued and the next write retries it; the caller decides whether to go on without the guarantee).
     */
    public void awaitWritten(long sequence) {
        lock.lock();
        try {
            while (writtenCount < sequence) {
                if (closed) {
                    throw new IllegalStateException("event spool " + dir + " closed before record " + sequence
                            + " was written");
                }
                if (!writing) {
                    try {
                        writeQueued();
                    } catch (IOException e) {
                        throw new UncheckedIOException("event spool " + dir + " could not write record " + sequence
                                + " yet: " + e.getMessage(), e);
                    }
                } else {
                    written.awaitUninterruptibly();
                    if (writeFailure != null && writtenCount < sequence) {
                        throw new UncheckedIOException("event spool " + dir + " could not write record " + sequence
                                + " yet: " + writeFailure.getMessage(), writeFailure);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes every queued frame; called with the lock held and no write in progress. The lock is released for
     * the system calls (a write stalled by the disk must not hold up appends), {@link #writing} keeping other
     * writers out meanwhile. On failure the frames not written go back to the head of the queue, in order, for
     * the next write to retry, and new appends are refused until one succeeds.
     */
    private void writeQueued() throws IOException {
        List<byte[]> batch = new ArrayList<>(queued);
        queued.clear();
        writing = true;
        lock.unlock();
        IOException failure = null;
        try {
            write(batch);
        } catch (IOException e) {
            failure = e;
        } finally {
            lock.lock();
        }
        writing = false;
        if (failure != null) {
            writeFailure = failure;
            for (int i = batch.size() - 1; i >= 0; i--) {
                queued.addFirst(batch.get(i));
            }
        }
        written.signalAll();
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Writes frames in order, rolling segments as they fill, and removes each written frame from
     * {@code frames}; only the thread holding {@link #writing} moves the write position. After a
     * failed write the file is put back at the last published end, so a retry rewrites whole frames.
     */
    private void write(List<byte[]> frames) throws IOException {
        try {
            writeRuns(frames);
        } catch (IOException e) {
            try {
                writer.seek(writeOffset);
            } catch (IOException ignored) {
                // the file itself is broken: the retry fails again and appends keep being refused
            }
            throw e;
        }
    }

    private void writeRuns(List<byte[]> frames) throws IOException {
        while (!frames.isEmpty()) {
            if (writeOffset > 0 && writeOffset + frames.get(0).length > segmentBytes) {
                roll();
            }
            // the frames that fit in this segment (at least one), in one write
            int n = 0;
            int bytes = 0;
            while (n < frames.size() && (n == 0 || writeOffset + bytes + frames.get(n).length <= segmentBytes)) {
                bytes += frames.get(n).length;
                n++;
            }
            if (n == 1) {
                writer.write(frames.get(0));
            } else {
                ByteBuffer run = ByteBuffer.allocate(bytes);
                frames.subList(0, n).forEach(run::put);
                writer.write(run.array());
            }
            lock.lock();
            try {
                writeOffset += bytes;
                writtenCount += n;
                writeFailure = null;
            } finally {
                lock.unlock();
            }
            frames.subList(0, n).clear();
        }
    }

    private void roll() throws IOException {
        Path next = segmentPath(writeSegment + 1);
        RandomAccessFile opened = new RandomAccessFile(next.toFile(), "rw");
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
     * this call is in the batch; when no caller is writing them, this call does, which is also how a
     * failed write is retried while no call comes). Only the positions are taken under the lock: the
     * bytes up to the write position never change, so the disk reads run without holding up appends.
     */
    public Batch read(int maxRecords, long waitMillis) throws InterruptedException {
        long segment;
        long offset;
        long lastSegment;
        long lastOffset;
        TreeMap<Long, Path> files;
        lock.lock();
        try {
            // records appended before this call are read by it: see them written
            long appendedBefore = appendedCount;
            while (writtenCount < appendedBefore && !closed) {
                if (writing) {
                    written.await(WRITE_RETRY_NANOS, TimeUnit.NANOSECONDS);
                } else {
                    try {
                        writeQueued();
                    } catch (IOException e) {
                        break; // read what is written; the next read or call retries
                    }
                }
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

    /**
     * The batch reached Kafka: move the committed position past it and drop finished segments. The position
     * file's write and rename and the deletions run outside the lock (deleting a full segment can take
     * milliseconds, which no call should wait for); the position is persisted before a segment is deleted.
     */
    public void commit(Batch batch) {
        List<Path> finished;
        boolean persist;
        lock.lock();
        try {
            readSegment = batch.endSegment();
            readOffset = batch.endOffset();
            pendingRecords -= batch.entries().size();
            pendingBytes -= batch.bytes();
            var done = segments.headMap(readSegment);
            finished = new ArrayList<>(done.values());
            done.clear();
            // persisting the position costs a write and a rename: at most every 200 ms (and when a
            // segment is finished, before it is deleted). A crash may replay up to that much, which
            // consumers absorb by de-duplicating on eventId.
            long now = System.nanoTime();
            persist = !finished.isEmpty() || now - positionWrittenNanos > POSITION_INTERVAL_NANOS;
            if (persist) {
                positionWrittenNanos = now;
            }
        } finally {
            lock.unlock();
        }
        if (persist) {
            try {
                writePosition(batch.endSegment(), batch.endOffset());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot commit event spool position in " + dir + ": " + e.getMessage(), e);
            }
        }
        finished.forEach(Spool::deleteQuietly);
    }

    /** One writer of the position file at a time: the committer, or close(). */
    private void writePosition(long segment, long offset) throws IOException {
        positionLock.lock();
        try {
            Path tmp = dir.resolve(POSITION_FILE + ".tmp");
            Files.writeString(tmp, segment + " " + offset, StandardCharsets.US_ASCII);
            Files.move(tmp, positionFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            positionLock.unlock();
        }
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
            while (writing) {
                written.awaitUninterruptibly();
            }
            if (!queued.isEmpty() && !closed) {
                try {
                    writeQueued();
                } catch (IOException e) {
                    // the frames stay unwritten, as after any failed write; the position below is still right
                }
            }
            if (!closed) {
                closed = true;
                written.signalAll(); // nobody waits in vain for a record that is not written now
                writePosition(readSegment, readOffset);
                writer.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            lock.unlock();
        }
    }
}
