package dev.pyroscoperelay.upload;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A request body exactly as received: in memory (one buffer, off the heap for uploads the receiver read, that every
 * writer sends without copying), or, when it is large or memory is short, in a temporary file that every writer sends
 * from. Released once, by the receiver, when the route is done (every writer finished, retries included): that returns
 * its memory to the budget or deletes its file. A pooled buffer is reference counted: a send still on the wire when
 * the route ends holds its own reference (see {@link #retainedMemory()}), so its bytes are never reused under it.
 */
public final class UploadBody {
    private final byte[] array;
    private final int arrayLength;
    private final ByteBuf buffer;
    private final Path file;
    private final long fileOffset;
    private final long length;
    private final Runnable onRelease;
    private final AtomicBoolean released = new AtomicBoolean();

    private UploadBody(
            byte[] array,
            int arrayLength,
            ByteBuf buffer,
            Path file,
            long fileOffset,
            long length,
            Runnable onRelease) {
        this.array = array;
        this.arrayLength = arrayLength;
        this.buffer = buffer;
        this.file = file;
        this.fileOffset = fileOffset;
        this.length = length;
        this.onRelease = onRelease;
    }

    /** The first {@code length} bytes of {@code array}; the array is never modified afterwards. */
    public static UploadBody inMemory(byte[] array, int length, Runnable onRelease) {
        return new UploadBody(array, length, null, null, 0, length, onRelease);
    }

    /**
     * The readable bytes of {@code buffer}, which this body owns (one reference): {@link #release()} releases it after
     * {@code onRelease}.
     */
    public static UploadBody inMemory(ByteBuf buffer, Runnable onRelease) {
        return new UploadBody(null, 0, buffer, null, 0, buffer.readableBytes(), () -> {
            onRelease.run();
            buffer.release();
        });
    }

    public static UploadBody inMemory(byte[] bytes) {
        return inMemory(bytes, bytes.length, () -> {});
    }

    public static UploadBody inFile(Path file, long length, Runnable onRelease) {
        return inFile(file, 0, length, onRelease);
    }

    /** {@code length} bytes of {@code file} from {@code offset} (a stored profile's body follows its header). */
    public static UploadBody inFile(Path file, long offset, long length, Runnable onRelease) {
        return new UploadBody(null, 0, null, file, offset, length, onRelease);
    }

    public long length() {
        return length;
    }

    public boolean inMemory() {
        return file == null;
    }

    /**
     * The body in memory, for reading before the route ends (a view of its own: position, limit); a body in a file
     * has none.
     */
    public ByteBuffer memory() {
        if (buffer != null) {
            return buffer.nioBuffer(buffer.readerIndex(), (int) length);
        }
        if (array == null) {
            throw new IllegalStateException("the body is in a file");
        }
        return ByteBuffer.wrap(array, 0, arrayLength).asReadOnlyBuffer();
    }

    /**
     * The body in memory for a send that may outlive the route (a write still queued on a connection): the caller
     * releases it once the bytes are written or the write failed. Throws once the body was released.
     */
    public ByteBuf retainedMemory() {
        if (buffer != null) {
            return buffer.retainedSlice(buffer.readerIndex(), (int) length);
        }
        if (array == null) {
            throw new IllegalStateException("the body is in a file");
        }
        return Unpooled.wrappedBuffer(array, 0, arrayLength);
    }

    /** The whole body as an array of its own length (copies unless it is an array of that length); in memory only. */
    public byte[] bytes() {
        if (array != null && array.length == arrayLength) {
            return array;
        }
        ByteBuffer memory = memory();
        byte[] copy = new byte[memory.remaining()];
        memory.get(copy);
        return copy;
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
}
