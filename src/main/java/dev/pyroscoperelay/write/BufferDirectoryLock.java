package dev.pyroscoperelay.write;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The lock that gives a buffer directory to one writer of one relay: an OS file lock on {@code .lock}, so a second
 * relay on the same volume (or a second writer with the same bufferPath) fails at start instead of sharing files.
 */
final class BufferDirectoryLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private BufferDirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static BufferDirectoryLock take(Path dir) throws IOException {
        Files.createDirectories(dir);
        FileChannel channel =
                FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this JVM
        }
        if (lock == null) {
            channel.close();
            throw new IOException("bufferPath " + dir + " is in use by another relay or writer: each writer needs a "
                    + "directory of its own");
        }
        return new BufferDirectoryLock(channel, lock);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
