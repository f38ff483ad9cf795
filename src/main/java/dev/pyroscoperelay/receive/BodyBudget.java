package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.runtime.ByteSizes;
import dev.pyroscoperelay.runtime.RelayMetrics;
import dev.pyroscoperelay.runtime.RelayNames;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many request body bytes the relay holds at once, for every receiver of the process: in memory up to a budget
 * that fits the heap, and in temporary files (as nginx's client_body_temp_path) up to a disk budget. A body is
 * counted from the bytes that actually arrived, never from what a client declares. When neither budget can take a
 * body, the client gets 503 with Retry-After, so memory stays bounded whatever clients send.
 */
public final class BodyBudget {
    private static final Logger LOG = LoggerFactory.getLogger(BodyBudget.class);
    private static final String REGISTRY_NAME = "pyroscope-relay-body-budget";
    private static final String FILE_PREFIX = "body-";

    /** Properties (relay-wide, like the JVM's heap: not per receiver). */
    public static final String MEMORY_LIMIT = "pyroscope.relay.body-memory-limit";

    public static final String MEMORY_PER_BODY = "pyroscope.relay.body-memory-per-body";
    public static final String DISK_LIMIT = "pyroscope.relay.body-disk-limit";
    public static final String SPOOL_DIR = "pyroscope.relay.body-spool-dir";

    /** Disk space the spool leaves free for everything else on its file system. */
    private static final long DISK_MARGIN = 256L * 1024 * 1024;

    private final long memoryLimit;
    private final long memoryPerBody;
    private final long diskLimit;
    private final Path spoolDir;
    private final AtomicLong memory = new AtomicLong();
    private final AtomicLong disk = new AtomicLong();
    private final AtomicLong files = new AtomicLong();

    BodyBudget(long memoryLimit, long memoryPerBody, long diskLimit, Path spoolDir) {
        this.memoryLimit = memoryLimit;
        this.memoryPerBody = Math.min(memoryPerBody, memoryLimit);
        this.diskLimit = diskLimit;
        this.spoolDir = spoolDir;
    }

    /** The budget of this CamelContext's receivers, from its properties (defaults fit the heap the JVM was given). */
    public static BodyBudget of(CamelContext context) {
        synchronized (context) {
            BodyBudget existing = context.getRegistry().lookupByNameAndType(REGISTRY_NAME, BodyBudget.class);
            if (existing != null) {
                return existing;
            }
            PropertiesComponent p = context.getPropertiesComponent();
            // bodies are held off the heap, in direct memory (by default as large as the heap): half of it, the
            // rest is for Netty's socket buffers; and no more than half the heap, which decoded push requests use
            long share = Math.min(Runtime.getRuntime().maxMemory(), PlatformDependent.maxDirectMemory()) / 2;
            long memoryLimit = bytes(p, MEMORY_LIMIT, share);
            long perBody = bytes(p, MEMORY_PER_BODY, Math.min(32L * 1024 * 1024, memoryLimit / 2));
            long diskLimit = bytes(p, DISK_LIMIT, 4L * 1024 * 1024 * 1024);
            Path dir = Path.of(p.resolveProperty(SPOOL_DIR)
                    .orElse(System.getProperty("java.io.tmpdir") + "/" + RelayNames.RECEIVE_KAMELET + "-bodies"));
            BodyBudget created = new BodyBudget(memoryLimit, perBody, diskLimit, dir);
            created.removeFilesOfDeadProcesses();
            RelayMetrics.of(context).bodies(created.memory::get, memoryLimit, created.disk::get, diskLimit);
            context.getRegistry().bind(REGISTRY_NAME, BodyBudget.class, created);
            LOG.info(
                    "request bodies: up to {} MiB in memory ({} MiB per body), larger ones in {} up to {} MiB",
                    memoryLimit >> 20,
                    created.memoryPerBody >> 20,
                    dir,
                    diskLimit >> 20);
            return created;
        }
    }

    private static long bytes(PropertiesComponent p, String key, long fallback) {
        return p.resolveProperty(key).map(v -> ByteSizes.parse(key, v)).orElse(fallback);
    }

    /** Counts n more bytes in memory, or answers false (and counts nothing) when they do not fit. */
    boolean reserveMemory(long n) {
        return reserve(memory, memoryLimit, n);
    }

    void releaseMemory(long n) {
        memory.addAndGet(-n);
    }

    /** The largest body kept in memory; larger ones go to a file. */
    long memoryPerBody() {
        return memoryPerBody;
    }

    boolean reserveDisk(long n) {
        if (!reserve(disk, diskLimit, n)) {
            return false;
        }
        try {
            if (Files.getFileStore(existingParent(spoolDir)).getUsableSpace() - n < DISK_MARGIN) {
                disk.addAndGet(-n);
                return false;
            }
        } catch (IOException e) {
            // not created yet or not readable: the write itself will tell
        }
        return true;
    }

    void releaseDisk(long n) {
        disk.addAndGet(-n);
    }

    /** A new, empty temporary file for one body, named after this process so a restart can clean up after a crash. */
    Path newFile() throws IOException {
        Files.createDirectories(spoolDir);
        return spoolDir.resolve(FILE_PREFIX + ProcessHandle.current().pid() + "-" + files.incrementAndGet() + ".tmp");
    }

    /** Room left in memory now (others may take it first: reserve to be sure). */
    long memoryFree() {
        return memoryLimit - memory.get();
    }

    /** Room left on disk now, by the budget and by the file system. */
    long diskFree() {
        long byBudget = diskLimit - disk.get();
        try {
            return Math.min(
                    byBudget, Files.getFileStore(existingParent(spoolDir)).getUsableSpace() - DISK_MARGIN);
        } catch (IOException e) {
            return byBudget;
        }
    }

    private static Path existingParent(Path p) {
        Path q = p.toAbsolutePath();
        while (q != null && !Files.exists(q)) {
            q = q.getParent();
        }
        return q == null ? p.toAbsolutePath().getRoot() : q;
    }

    private static boolean reserve(AtomicLong used, long limit, long n) {
        while (true) {
            long now = used.get();
            if (now + n > limit) {
                return false;
            }
            if (used.compareAndSet(now, now + n)) {
                return true;
            }
        }
    }

    /** Files left by a relay that was killed: their process is gone, nobody will delete them. */
    private void removeFilesOfDeadProcesses() {
        if (!Files.isDirectory(spoolDir)) {
            return;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(spoolDir, FILE_PREFIX + "*.tmp")) {
            for (Path f : stream) {
                String[] parts = f.getFileName().toString().split("-");
                try {
                    long pid = Long.parseLong(parts[1]);
                    if (ProcessHandle.of(pid).isEmpty()) {
                        Files.deleteIfExists(f);
                    }
                } catch (RuntimeException | IOException e) {
                    LOG.debug("leaving {}: {}", f, e.toString());
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot clean {}: {}", spoolDir, e.toString());
        }
    }
}
