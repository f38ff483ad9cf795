package dev.pyroscoperelay.write;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.ConcurrentHashMap;

/** Reads a bearer token file again when it changes, so a rotated token is used without a restart. */
final class BearerTokenFile {
    private record Cached(FileTime modified, String token) {}

    private static final ConcurrentHashMap<String, Cached> CACHE = new ConcurrentHashMap<>();

    private BearerTokenFile() {}

    static String read(String file) {
        Path path = Path.of(file);
        try {
            FileTime modified = Files.getLastModifiedTime(path);
            Cached cached = CACHE.get(file);
            if (cached != null && cached.modified.equals(modified)) {
                return cached.token;
            }
            String token = Files.readString(path, StandardCharsets.UTF_8).trim();
            CACHE.put(file, new Cached(modified, token));
            return token;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read bearerTokenFile " + file + ": " + e.getMessage(), e);
        }
    }
}
