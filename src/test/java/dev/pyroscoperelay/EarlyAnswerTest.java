package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A destination that answers 200 as soon as it has the request head and reads the body afterwards, on a kept-alive
 * connection (nginx's `return 200` does this). The writer must still send every body whole: a body cut short would
 * put the next request out of step with the server, which then reads it as garbage (nginx: 400).
 */
class EarlyAnswerTest {
    @TempDir
    Path work;

    /** One connection at a time, HTTP/1.1 keep-alive; records each body, or a line that could not be parsed. */
    static final class EarlyAnsweringServer implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final List<byte[]> bodies = new CopyOnWriteArrayList<>();
        final List<String> garbage = new CopyOnWriteArrayList<>();
        final Thread thread = new Thread(this::serve, "early-answering-sink");

        EarlyAnsweringServer() throws IOException {
            thread.setDaemon(true);
            thread.start();
        }

        private void serve() {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    while (true) {
                        String head = readHead(in);
                        if (head == null) {
                            break;
                        }
                        if (!head.startsWith("POST ")) {
                            garbage.add(head.lines().findFirst().orElse(""));
                            out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                    .getBytes(StandardCharsets.US_ASCII));
                            break;
                        }
                        long length = head.lines()
                                .filter(l -> l.toLowerCase().startsWith("content-length:"))
                                .mapToLong(l -> Long.parseLong(l.substring(15).trim()))
                                .findFirst()
                                .orElse(0);
                        out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        bodies.add(in.readNBytes((int) length));
                    }
                } catch (IOException e) {
                    // the next connection
                }
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                head.write(b);
                byte[] h = head.toByteArray();
                int n = h.length;
                if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                    return head.toString(StandardCharsets.ISO_8859_1);
                }
            }
            return null;
        }

        String url() {
            return "http://127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    @Test
    void bodiesInFilesAreSentWholeWhenTheDestinationAnswersEarly() throws Exception {
        try (EarlyAnsweringServer sink = new EarlyAnsweringServer()) {
            int port = Relay.freePort();
            Relay.writeRoute(
                    work,
                    "relay.yaml",
                    RouteFile.of("EarlyAnswerTest/relay.yaml")
                            .with("port", port)
                            .with("sink.url", sink.url())
                            .yaml());
            try (Relay relay = Relay.start(work, Map.of("pyroscope.relay.body-memory-per-body", "16KiB"))) {
                for (int i = 0; i < 12; i++) {
                    // in a file (above 16 KiB) and in memory, alternately, over the one kept-alive connection
                    byte[] body = new byte[i % 2 == 0 ? 2 * 1024 * 1024 : 1000];
                    new Random(i).nextBytes(body);
                    Client.Response r = Client.post(port, "/ingest?name=early.app", body, Map.of());
                    assertEquals(200, r.status(), "upload " + i + ": " + r.body());
                    long end = System.nanoTime() + 10_000_000_000L;
                    while (sink.bodies.size() <= i && System.nanoTime() < end) {
                        Thread.sleep(10);
                    }
                    assertArrayEquals(body, sink.bodies.get(i), "body of upload " + i);
                }
                assertEquals(List.of(), sink.garbage);
            }
        }
    }
}
