package dev.pyroscoperelay.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A ConfigMap or Secret volume as the kubelet writes it (its {@code AtomicWriter}): the files in a timestamped
 * directory, a symlink {@code ..data} to it, and one symlink per key ({@code relay.yaml -> ..data/relay.yaml}). An
 * update writes a new timestamped directory, points {@code ..data_tmp} at it, renames that over {@code ..data} and
 * deletes the old directory; the key symlinks never change.
 */
public final class KubeletVolume {
    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final Path dir;
    private String current;

    private KubeletVolume(Path dir) {
        this.dir = dir;
    }

    /** The volume in {@code dir} (created) with {@code files}: key to content. */
    public static KubeletVolume create(Path dir, Map<String, String> files) throws IOException {
        Files.createDirectories(dir);
        KubeletVolume v = new KubeletVolume(dir);
        v.current = v.writeTimestamped(files);
        Files.createSymbolicLink(dir.resolve("..data"), Path.of(v.current));
        for (String key : files.keySet()) {
            Files.createSymbolicLink(dir.resolve(key), Path.of("..data", key));
        }
        return v;
    }

    public Path dir() {
        return dir;
    }

    public Path file(String key) {
        return dir.resolve(key);
    }

    /** The kubelet's update: every key's new content appears at once, through the {@code ..data} swap. */
    public void update(Map<String, String> files) throws IOException {
        String next = writeTimestamped(files);
        Path tmp = dir.resolve("..data_tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, Path.of(next));
        Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
        for (String key : files.keySet()) {
            if (!Files.isSymbolicLink(dir.resolve(key))) {
                Files.createSymbolicLink(dir.resolve(key), Path.of("..data", key));
            }
        }
        try (Stream<Path> old = Files.walk(dir.resolve(current))) {
            for (Path p : (Iterable<Path>) old.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
        current = next;
    }

    private String writeTimestamped(Map<String, String> files) throws IOException {
        // the kubelet's name: ..<date>_<time>.<random>
        String name = "..2026_12_04_18_00_00." + System.nanoTime() + SEQUENCE.incrementAndGet();
        Path d = Files.createDirectory(dir.resolve(name));
        for (Map.Entry<String, String> f : files.entrySet()) {
            Files.writeString(d.resolve(f.getKey()), f.getValue(), StandardCharsets.UTF_8);
        }
        return name;
    }
}
