package dev.pyroscoperelay.upload;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A request body exactly as received: in memory (one array that every writer sends without copying), or, when it is
 * large or memory is short, in a temporary file that every writer sends from. Released once, by the receiver, when the
 * route is done (every writer finished, retries included): that returns its memory to the budget or deletes its file.
 */
public final class UploadBody {
    private final byte[] array;
    private final int arrayLength;
    private final Path file;
    private final long fileOffset;
    private final long length;
    private final Runnable onRelease;
    private final AtomicBoolean released = new AtomicBoolean();

    private UploadBody(byte[] array, int arrayLength, Path file, long fileOffset, long length, Runnable onRelease) {
        this.array = array;
        this.arrayLength = arrayLength;
        this.file = file;
        this.fileOffset = fileOffset;
        this.length = length;
        this.onRelease = onRelease;
    }

    /** The first {@code length} bytes of {@code array}; the array is never modified afterwards. */
    public static UploadBody inMemory(byte[] array, int length, Runnable onRelease) {
        return new UploadBody(array, length, null, 0, length, onRelease);
    }

    public static UploadBody inMemory(byte[] bytes) {
        return inMemory(bytes, bytes.length, () -> {});
    }

    public static UploadBody inFile(Path file, long length, Runnable onRelease) {
        return inFile(file, 0, length, onRelease);
    }

    /** {@code length} bytes of {@code file} from {@code offset} (a stored profile's body follows its header). */
    public static UploadBody inFile(Path file, long offset, long length, Runnable onRelease) {
        return new UploadBody(null, 0, file, offset, length, onRelease);
    }

    public long length() {
        return length;
    }

    public boolean inMemory() {
        return file == null;
    }

    /** The array that holds the body (only its first {@link #length()} bytes count); null for a body in a file. */
    public byte[] array() {
        return array;
    }

    /** The whole body as an array of its own length (copies when the array is larger); in memory only. */
    public byte[] bytes() {
        if (array == null) {
            throw new IllegalStateException("the body is in a file");
        }
        return array.length == arrayLength ? array : java.util.Arrays.copyOf(array, arrayLength);
    }

    /** The temporary file that holds the body; null for a body in memory. */
    public Path file() {
        return file;
    }

    /** Where the body starts in {@link #file()}. */
    public long fileOffset() {
        return fileOffset;
    }

    /** Returns its memory or deletes its file; only the first call does anything. */
    public void release() {
        if (released.compareAndSet(false, true)) {
            onRelease.run();
        }
    }

    public boolean released() {
        return released.get();
    }
}
