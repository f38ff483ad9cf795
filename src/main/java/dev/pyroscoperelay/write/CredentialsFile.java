package dev.pyroscoperelay.write;

import io.vertx.core.Future;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A credentials file ({@code bearerTokenFile}, {@code authorizationCredentialsFile}, {@code basicAuthPasswordFile}) read
 * again when the file behind it (through symlinks), its modification time or its size changes, so a rotated secret is
 * used without a restart, also after a Kubernetes Secret's {@code ..data} swap. Each writer has its own.
 */
final class CredentialsFile implements Credentials {
    private record Read(Object fileKey, FileTime modified, long size, String header) {}

    private final Path file;
    private final UnaryOperator<String> header;
    private volatile Read last;

    /** header: the Authorization value made of the file's content, trimmed as Go's config trims it */
    CredentialsFile(Path file, UnaryOperator<String> header) {
        this.file = file;
        this.header = header;
    }

    @Override
    public String current() {
        try {
            // the file key (device and inode) changes with every ..data swap, even within one mtime tick
            BasicFileAttributes now = Files.readAttributes(file, BasicFileAttributes.class);
            Read r = last;
            if (r != null
                    && Objects.equals(r.fileKey, now.fileKey())
                    && r.modified.equals(now.lastModifiedTime())
                    && r.size == now.size()) {
                return r.header;
            }
            String value =
                    header.apply(Files.readString(file, StandardCharsets.UTF_8).trim());
            last = new Read(now.fileKey(), now.lastModifiedTime(), now.size(), value);
            return value;
        } catch (IOException e) {
            throw new Unavailable("cannot read " + file + ": " + e.getMessage());
        }
    }

    @Override
    public Future<String> next() {
        try {
            return Future.succeededFuture(current());
        } catch (Unavailable e) {
            return Future.failedFuture(e);
        }
    }
}
