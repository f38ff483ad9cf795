package dev.pyroscoperelay.write;

import io.vertx.core.Future;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/**
 * A credentials file ({@code bearerTokenFile}, {@code authorizationCredentialsFile}) read again when its modification
 * time or size changes, so a rotated token is used without a restart; through symlinks, so a Kubernetes Secret's
 * {@code ..data} swap counts as a change. Each writer has its own.
 */
final class CredentialsFile implements Credentials {
    private record Read(FileTime modified, long size, String header) {}

    private final String type;
    private final Path file;
    private volatile Read last;

    CredentialsFile(String type, Path file) {
        this.type = type;
        this.file = file;
    }

    @Override
    public String current() {
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            Read r = last;
            if (r != null && r.modified.equals(modified) && r.size == size) {
                return r.header;
            }
            String header =
                    type + " " + Files.readString(file, StandardCharsets.UTF_8).trim();
            last = new Read(modified, size, header);
            return header;
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
