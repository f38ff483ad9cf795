package dev.pyroscoperelay.write;

import dev.pyroscoperelay.api.UploadApis;
import dev.pyroscoperelay.upload.ProfileUpload.OutgoingRequest;
import dev.pyroscoperelay.upload.UploadBody;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * One profile in a writer's buffer, as a file: a magic line, the request a destination gets (path and query,
 * Content-Type, Content-Encoding, protocol headers, tenant), the body exactly as it will be sent, and a CRC32 of the
 * body. A file that is shorter than it says or whose CRC does not match (a write torn by a crash, a damaged disk) is
 * refused, never sent.
 *
 * <pre>PYROSCOPE-RELAY-PROFILE 1\n | header length (int) | header (name\tvalue\n, UTF-8) | body | CRC32 (long)</pre>
 */
record StoredProfile(
        String pathAndQuery,
        String contentType,
        String contentEncoding,
        Map<String, String> protocolHeaders,
        String tenant,
        int profiles,
        long createdMillis,
        long bodyOffset,
        long bodyLength) {

    private static final byte[] MAGIC = "PYROSCOPE-RELAY-PROFILE 1\n".getBytes(StandardCharsets.US_ASCII);
    private static final int COPY_CHUNK = 64 * 1024;
    private static final int MAX_HEADER = 1024 * 1024;

    /** Bytes the file of this request takes, before it is written (for the size limit). */
    static long fileSize(OutgoingRequest request, String tenant, int profiles, long createdMillis) {
        return MAGIC.length
                + 4
                + header(request, tenant, profiles, createdMillis).length
                + request.body().length()
                + 8;
    }

    /**
     * Writes the request to {@code file} and syncs it. A body in memory is written from its array; a body in a file
     * (a large upload the receiver spooled) is copied through a small buffer, never held in memory whole.
     */
    static void write(Path file, OutgoingRequest request, String tenant, int profiles, long createdMillis)
            throws IOException {
        UploadBody body = request.body();
        byte[] header = header(request, tenant, profiles, createdMillis);
        CRC32 crc = new CRC32();
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer head = ByteBuffer.allocate(MAGIC.length + 4 + header.length);
            head.put(MAGIC).putInt(header.length).put(header).flip();
            writeFully(out, head);
            if (body.inMemory()) {
                ByteBuffer memory = body.memory();
                crc.update(memory.duplicate());
                writeFully(out, memory);
            } else {
                try (FileChannel in = FileChannel.open(body.file(), StandardOpenOption.READ)) {
                    ByteBuffer chunk = ByteBuffer.allocateDirect(COPY_CHUNK);
                    long position = body.fileOffset();
                    long left = body.length();
                    while (left > 0) {
                        chunk.clear().limit((int) Math.min(COPY_CHUNK, left));
                        int n = in.read(chunk, position);
                        if (n < 0) {
                            throw new IOException("the request body file ended early: " + body.file());
                        }
                        chunk.flip();
                        crc.update(chunk.duplicate());
                        writeFully(out, chunk);
                        position += n;
                        left -= n;
                    }
                }
            }
            writeFully(out, ByteBuffer.allocate(8).putLong(crc.getValue()).flip());
            out.force(true);
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    private static byte[] header(OutgoingRequest request, String tenant, int profiles, long createdMillis) {
        StringBuilder sb = new StringBuilder();
        line(sb, "path", request.pathAndQuery());
        line(sb, "content-type", request.contentType());
        line(sb, "content-encoding", request.contentEncoding());
        line(sb, "tenant", tenant);
        line(sb, "profiles", Integer.toString(profiles));
        line(sb, "created", Long.toString(createdMillis));
        line(sb, "body-length", Long.toString(request.body().length()));
        request.protocolHeaders().forEach((k, v) -> line(sb, "header." + k, v));
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void line(StringBuilder sb, String name, String value) {
        if (value != null) {
            // values are header values and a URL path: they hold no tab or newline
            sb.append(name)
                    .append('\t')
                    .append(value.replace('\n', ' ').replace('\t', ' '))
                    .append('\n');
        }
    }

    /** Reads the header of a stored profile and checks the file's length; {@link #verify} checks the body's CRC. */
    static StoredProfile read(Path file) throws IOException, CorruptProfileException {
        long size = Files.size(file);
        try (InputStream raw = Files.newInputStream(file);
                DataInputStream in = new DataInputStream(raw)) {
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new CorruptProfileException("not a stored profile (wrong magic)");
            }
            int headerLength = in.readInt();
            if (headerLength < 0 || headerLength > MAX_HEADER || MAGIC.length + 4L + headerLength > size) {
                throw new CorruptProfileException("header length " + headerLength + " does not fit the file");
            }
            Map<String, String> h = new LinkedHashMap<>();
            Map<String, String> protocol = new LinkedHashMap<>();
            for (String line : new String(in.readNBytes(headerLength), StandardCharsets.UTF_8).split("\n")) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    String name = line.substring(0, tab);
                    if (name.startsWith("header.")) {
                        protocol.put(name.substring(7), line.substring(tab + 1));
                    } else {
                        h.put(name, line.substring(tab + 1));
                    }
                }
            }
            try {
                long bodyLength = Long.parseLong(h.get("body-length"));
                long bodyOffset = MAGIC.length + 4L + headerLength;
                if (bodyOffset + bodyLength + 8 != size || h.get("path") == null) {
                    throw new CorruptProfileException("file is " + size + " bytes, its header says "
                            + (bodyOffset + bodyLength + 8) + " (torn write?)");
                }
                return new StoredProfile(
                        h.get("path"),
                        h.get("content-type"),
                        h.get("content-encoding"),
                        Map.copyOf(protocol),
                        h.get("tenant"),
                        Integer.parseInt(h.getOrDefault("profiles", "1")),
                        Long.parseLong(h.get("created")),
                        bodyOffset,
                        bodyLength);
            } catch (RuntimeException e) {
                throw new CorruptProfileException("unreadable header: " + e);
            }
        }
    }

    /** Checks the body against its CRC (streaming; for files that a crash may have torn). */
    void verify(Path file) throws IOException, CorruptProfileException {
        CRC32 crc = new CRC32();
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer chunk = ByteBuffer.allocateDirect(COPY_CHUNK);
            long position = bodyOffset;
            long left = bodyLength;
            while (left > 0) {
                chunk.clear().limit((int) Math.min(COPY_CHUNK, left));
                int n = in.read(chunk, position);
                if (n < 0) {
                    throw new CorruptProfileException("body ends early");
                }
                chunk.flip();
                crc.update(chunk);
                position += n;
                left -= n;
            }
            ByteBuffer stored = ByteBuffer.allocate(8);
            while (stored.hasRemaining() && in.read(stored, position + stored.position()) > 0) {
                // reads the trailer
            }
            if (stored.flip().remaining() != 8 || stored.getLong() != crc.getValue()) {
                throw new CorruptProfileException("body does not match its CRC32");
            }
        }
    }

    /** The request to send, its body read from the stored file (no copy in memory). */
    OutgoingRequest toRequest(Path file) {
        return new OutgoingRequest(
                UploadApis.forRequest(pathAndQuery),
                pathAndQuery,
                UploadBody.inFile(file, bodyOffset, bodyLength, () -> {}),
                contentType,
                contentEncoding,
                protocolHeaders);
    }

    /** A stored profile that must not be sent. */
    static final class CorruptProfileException extends Exception {
        CorruptProfileException(String message) {
            super(message);
        }
    }
}
