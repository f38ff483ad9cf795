package dev.pyroscoperelay.write;

import dev.pyroscoperelay.upload.ProfileUpload.OutgoingRequest;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of one writer's buffer, in the maildir pattern: a profile is written to {@code tmp/}, synced, renamed into
 * {@code new/} and the directory synced, so a crash leaves either the whole file in {@code new/} or nothing; while it
 * is being sent it sits in {@code cur/}; it is deleted once the destination took it. After a crash, {@code tmp/} is
 * emptied and everything in {@code cur/} goes back to {@code new/}: those may have reached the destination already
 * and are counted as possible duplicates. A lock file keeps a second relay out of the same directory.
 */
final class ProfileStore {
    private static final Logger LOG = LoggerFactory.getLogger(ProfileStore.class);

    /** A stored profile: its file name orders profiles by age. */
    record Entry(String name, long size, long createdMillis, boolean verified) {}

    /** The store cannot take a profile now (bufferMaxSize, or a full disk). */
    static final class FullException extends IOException {
        FullException(String message) {
            super(message);
        }
    }

    private final Path dir;
    private final Path tmp;
    private final Path ready;
    private final Path sending;
    private final long maxSize;
    private final boolean dropOldest;
    private final BufferDirectoryLock lock;
    private final TreeMap<String, Entry> waiting = new TreeMap<>();
    private final TreeMap<String, Entry> inFlight = new TreeMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private long bytes;
    private long reserved;
    private boolean closed;
    private final long resentAfterCrash;
    private final DropListener dropped;

    /** Told of every profile the store gives up (reason: full, max_age, rejected, corrupt). */
    interface DropListener {
        void dropped(String reason, long bytes, int profiles);
    }

    private ProfileStore(Path dir, long maxSize, boolean dropOldest, BufferDirectoryLock lock, DropListener dropped)
            throws IOException {
        this.dir = dir;
        this.tmp = Files.createDirectories(dir.resolve("tmp"));
        this.ready = Files.createDirectories(dir.resolve("new"));
        this.sending = Files.createDirectories(dir.resolve("cur"));
        this.maxSize = maxSize;
        this.dropOldest = dropOldest;
        this.lock = lock;
        this.dropped = dropped;
        this.resentAfterCrash = recover();
    }

    /** Opens (and locks) the buffer directory of one writer; fails when another relay or writer has it. */
    static ProfileStore open(Path dir, long maxSize, boolean dropOldest, DropListener dropped) throws IOException {
        BufferDirectoryLock lock = BufferDirectoryLock.take(dir);
        try {
            return new ProfileStore(dir, maxSize, dropOldest, lock, dropped);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** Empties tmp/, puts cur/ back into new/, and indexes new/; returns how many may have been sent already. */
    private long recover() throws IOException {
        for (Path f : list(tmp)) {
            Files.deleteIfExists(f);
        }
        long resent = 0;
        for (Path f : list(sending)) {
            Files.move(f, ready.resolve(f.getFileName()), StandardCopyOption.ATOMIC_MOVE);
            resent++;
        }
        for (Path f : list(ready)) {
            String name = f.getFileName().toString();
            long size = Files.size(f);
            // files of an earlier run are checked (CRC) before they are sent: a crash may have torn them
            waiting.put(name, new Entry(name, size, createdMillis(name), false));
            bytes += size;
        }
        if (resent > 0) {
            syncDirectory(ready);
        }
        return resent;
    }

    private static List<Path> list(Path folder) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(folder)) {
            s.forEach(files::add);
        }
        return files;
    }

    private static long createdMillis(String name) {
        try {
            return Long.parseLong(name.substring(0, name.indexOf('-')));
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /**
     * Stores one request durably (synced before this returns) and returns its entry. Over bufferMaxSize it either
     * throws {@link FullException} or, with dropOldest, deletes the oldest profiles that are not being sent.
     *
     * @param sending true when the caller sends it right away (from memory): it is stored in cur/, as one being sent,
     *     so a crash sends it again and counts it as a possible duplicate, and the background delivery leaves it alone
     */
    Entry store(OutgoingRequest request, String tenant, int profiles, boolean sending) throws IOException {
        long now = System.currentTimeMillis();
        long size = StoredProfile.fileSize(request, tenant, profiles, now);
        reserve(size);
        String name = String.format("%013d-%09d.profile", now, sequence.incrementAndGet());
        Path temporary = tmp.resolve(name);
        try {
            StoredProfile.write(temporary, request, tenant, profiles, now);
            Path folder = sending ? this.sending : ready;
            Files.move(temporary, folder.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(folder);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            synchronized (this) {
                reserved -= size;
            }
            // Java reports ENOSPC as a plain IOException: the file system's free space says whether it was that
            if (e instanceof IOException && Files.getFileStore(dir).getUsableSpace() < size) {
                throw new FullException("the disk of bufferPath " + dir + " is full");
            }
            throw e;
        }
        Entry entry = new Entry(name, size, now, true);
        synchronized (this) {
            reserved -= size;
            if (closed) {
                return entry; // stored on disk: the next start delivers it
            }
            bytes += size;
            (sending ? inFlight : waiting).put(name, entry);
        }
        return entry;
    }

    private void reserve(long size) throws IOException {
        List<Path> evicted = new ArrayList<>();
        synchronized (this) {
            while (bytes + reserved + size > maxSize) {
                if (!dropOldest || (waiting.isEmpty() && inFlight.isEmpty())) {
                    throw new FullException("bufferMaxSize (" + maxSize + " bytes) of " + dir + " is reached");
                }
                // the oldest, even one being sent (its send goes on from the open file; its end is then ignored)
                boolean sendingOldest = waiting.isEmpty()
                        || (!inFlight.isEmpty() && inFlight.firstKey().compareTo(waiting.firstKey()) < 0);
                Entry oldest =
                        (sendingOldest ? inFlight : waiting).pollFirstEntry().getValue();
                bytes -= oldest.size();
                evicted.add((sendingOldest ? sending : ready).resolve(oldest.name()));
                dropped.dropped("full", oldest.size(), 1);
            }
            reserved += size;
        }
        for (Path f : evicted) {
            Files.deleteIfExists(f);
            LOG.warn(
                    "buffer {} is full: dropped its oldest profile {} (bufferWhenFull: dropOldest)",
                    dir,
                    f.getFileName());
        }
    }

    /** The oldest profile that is not being sent, moved to cur/; null when there is none. */
    synchronized Entry nextToSend() throws IOException {
        if (closed || waiting.isEmpty()) {
            return null;
        }
        Entry e = waiting.pollFirstEntry().getValue();
        Files.move(ready.resolve(e.name()), sending.resolve(e.name()), StandardCopyOption.ATOMIC_MOVE);
        inFlight.put(e.name(), e);
        return e;
    }

    /** The file of an entry being sent. */
    Path sendingFile(Entry e) {
        return sending.resolve(e.name());
    }

    /** The destination took it (or it is dropped): the file goes. */
    void remove(Entry e) {
        synchronized (this) {
            if (inFlight.remove(e.name()) == null) {
                return;
            }
            bytes -= e.size();
        }
        try {
            Files.deleteIfExists(sending.resolve(e.name()));
        } catch (IOException ex) {
            LOG.warn("cannot delete {}: {}", sending.resolve(e.name()), ex.toString());
        }
    }

    /** Not delivered this time: back to new/, still the oldest. */
    void putBack(Entry e) {
        synchronized (this) {
            if (closed || inFlight.remove(e.name()) == null) {
                return;
            }
            try {
                Files.move(sending.resolve(e.name()), ready.resolve(e.name()), StandardCopyOption.ATOMIC_MOVE);
                waiting.put(e.name(), new Entry(e.name(), e.size(), e.createdMillis(), true));
            } catch (IOException ex) {
                bytes -= e.size();
                LOG.error("cannot put {} back: {}", e.name(), ex.toString());
            }
        }
    }

    /** Whether no stored profile waits for the background delivery. */
    synchronized boolean nothingWaiting() {
        return waiting.isEmpty();
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized int profiles() {
        return waiting.size() + inFlight.size();
    }

    /** Creation time of the oldest stored profile, or -1. */
    synchronized long oldestMillis() {
        long oldest = -1;
        if (!waiting.isEmpty()) {
            oldest = waiting.firstEntry().getValue().createdMillis();
        }
        if (!inFlight.isEmpty()) {
            long f = inFlight.firstEntry().getValue().createdMillis();
            oldest = oldest < 0 ? f : Math.min(oldest, f);
        }
        return oldest;
    }

    long resentAfterCrash() {
        return resentAfterCrash;
    }

    Path directory() {
        return dir;
    }

    /** Releases the directory; what is being sent goes back to new/ for the next start. */
    void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (Entry e : inFlight.values()) {
                try {
                    Files.move(sending.resolve(e.name()), ready.resolve(e.name()), StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException ex) {
                    LOG.debug("{} stays in cur/: {}", e.name(), ex.toString());
                }
            }
            inFlight.clear();
        }
        try {
            lock.close();
        } catch (IOException e) {
            LOG.debug("releasing the lock of {}: {}", dir, e.toString());
        }
    }

    private static void syncDirectory(Path folder) throws IOException {
        // a rename is durable once its directory is synced
        try (FileChannel d = FileChannel.open(folder, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
