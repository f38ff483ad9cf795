package dev.pyroscoperelay.write;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.api.IngestApi;
import dev.pyroscoperelay.upload.ProfileUpload.OutgoingRequest;
import dev.pyroscoperelay.upload.UploadBody;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The durable buffer's files on a real directory: order, limits, what a crash leaves, and the directory lock. */
class ProfileStoreTest {
    @TempDir
    Path dir;

    private final List<String> dropped = new ArrayList<>();

    private ProfileStore open(long maxSize, boolean dropOldest) throws IOException {
        return ProfileStore.open(dir, maxSize, dropOldest, (reason, bytes, profiles) -> dropped.add(reason));
    }

    private static OutgoingRequest request(String name, int bodyBytes) {
        byte[] body = new byte[bodyBytes];
        java.util.Arrays.fill(body, (byte) name.charAt(0));
        return new OutgoingRequest(
                IngestApi.API,
                "/ingest?name=" + name,
                UploadBody.inMemory(body),
                "application/octet-stream",
                null,
                Map.of());
    }

    private static String nameOf(ProfileStore store, ProfileStore.Entry e) throws Exception {
        StoredProfile p = StoredProfile.read(store.sendingFile(e));
        return p.toRequest(store.sendingFile(e)).pathAndQuery().substring("/ingest?name=".length());
    }

    @Test
    void profilesAreSentOldestFirstAndAPutBackOneIsNextAgain() throws Exception {
        try (var ignored = new Closing(open(1 << 20, false))) {
            ProfileStore store = ignored.store;
            for (String name : List.of("a", "b", "c")) {
                store.store(request(name, 100), null, 1, false);
            }
            assertEquals(3, store.profiles());
            ProfileStore.Entry first = store.nextToSend();
            assertEquals("a", nameOf(store, first));
            ProfileStore.Entry second = store.nextToSend();
            assertEquals("b", nameOf(store, second));
            store.putBack(first);
            assertEquals("a", nameOf(store, store.nextToSend()), "a profile put back is still the oldest");
            store.remove(second);
            assertEquals(2, store.profiles());
        }
    }

    @Test
    void theBodyIsStoredByteForByteWithItsCrc() throws Exception {
        try (var c = new Closing(open(1 << 20, false))) {
            byte[] body = "any bytes \u0000\u00ff".getBytes(StandardCharsets.ISO_8859_1);
            OutgoingRequest r = new OutgoingRequest(
                    IngestApi.API,
                    "/ingest?name=x",
                    UploadBody.inMemory(body),
                    "binary/octet-stream",
                    "gzip",
                    Map.of());
            c.store.store(r, "tenant-1", 3, false);
            ProfileStore.Entry e = c.store.nextToSend();
            Path file = c.store.sendingFile(e);
            StoredProfile p = StoredProfile.read(file);
            p.verify(file);
            assertEquals("tenant-1", p.tenant());
            assertEquals(3, p.profiles());
            OutgoingRequest back = p.toRequest(file);
            assertEquals("gzip", back.contentEncoding());
            assertEquals("binary/octet-stream", back.contentType());
            byte[] read = new byte[(int) back.body().length()];
            try (FileChannel ch = FileChannel.open(back.body().file())) {
                ch.read(java.nio.ByteBuffer.wrap(read), back.body().fileOffset());
            }
            assertArrayEquals(body, read);
        }
    }

    @Test
    void aFullStoreRefusesOrDropsTheOldestAsConfigured() throws Exception {
        long one = StoredProfile.fileSize(request("a", 1000), null, 1, System.currentTimeMillis()) + 10;
        try (var c = new Closing(open(one * 2, false))) {
            c.store.store(request("a", 1000), null, 1, false);
            c.store.store(request("b", 1000), null, 1, false);
            ProfileStore.FullException full = assertThrows(
                    ProfileStore.FullException.class, () -> c.store.store(request("c", 1000), null, 1, false));
            assertTrue(full.getMessage().contains("bufferMaxSize"), full.getMessage());
            assertEquals(2, c.store.profiles());
        }
        Files.walk(dir)
                .sorted(java.util.Comparator.reverseOrder())
                .forEach(p -> p.toFile().delete());
        try (var c = new Closing(open(one * 2, true))) {
            c.store.store(request("a", 1000), null, 1, false);
            c.store.store(request("b", 1000), null, 1, false);
            c.store.store(request("c", 1000), null, 1, false);
            assertEquals(List.of("full"), dropped, "the oldest was dropped, and counted");
            assertEquals("b", nameOf(c.store, c.store.nextToSend()));
            assertEquals("c", nameOf(c.store, c.store.nextToSend()));
            assertNull(c.store.nextToSend());
        }
    }

    @Test
    void whatWasBeingSentWhenTheRelayStoppedIsSentAgainAfterARestart() throws Exception {
        ProfileStore store = open(1 << 20, false);
        store.store(request("a", 100), null, 1, false);
        store.store(request("b", 100), null, 1, true); // stored while being sent: in cur/
        assertEquals("a", nameOf(store, store.nextToSend()));
        // a crash: nothing is closed, the lock goes with the process; here the lock is released by hand
        Path lockless = dir.resolveSibling(dir.getFileName() + "-copy");
        copy(dir, lockless);
        store.close();
        try (var c = new Closing(ProfileStore.open(lockless, 1 << 20, false, (r, b, p) -> {}))) {
            assertEquals(2, c.store.resentAfterCrash(), "a and b were being sent");
            assertEquals(2, c.store.profiles());
            assertEquals("a", nameOf(c.store, c.store.nextToSend()));
            assertEquals("b", nameOf(c.store, c.store.nextToSend()));
        }
    }

    @Test
    void aTornFileIsRecognisedAsCorrupt() throws Exception {
        try (var c = new Closing(open(1 << 20, false))) {
            c.store.store(request("a", 5000), null, 1, false);
            ProfileStore.Entry e = c.store.nextToSend();
            Path file = c.store.sendingFile(e);
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                f.setLength(f.length() - 100);
            }
            assertThrows(StoredProfile.CorruptProfileException.class, () -> StoredProfile.read(file));
        }
    }

    @Test
    void aSecondStoreOnTheSameDirectoryIsRefused() throws Exception {
        try (var c = new Closing(open(1 << 20, false))) {
            IOException e = assertThrows(IOException.class, () -> open(1 << 20, false));
            assertTrue(e.getMessage().contains("in use by another relay or writer"), e.getMessage());
        }
        open(1 << 20, false).close(); // released on close
    }

    private static void copy(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.getFileName().toString().equals(".lock")) {
                    continue;
                }
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private record Closing(ProfileStore store) implements AutoCloseable {
        @Override
        public void close() {
            store.close();
        }
    }
}
