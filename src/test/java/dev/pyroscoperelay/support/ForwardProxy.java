package dev.pyroscoperelay.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A forward HTTP proxy on loopback, as squid or tinyproxy behave for this: an absolute-form request
 * ({@code POST http://host:port/path}) is passed to host:port as it is (HTTP/1.1 servers take absolute-form), a
 * {@code CONNECT host:port} opens a tunnel. Every host name is reached on 127.0.0.1 (no DNS needed for test names).
 * With credentials set it answers 407 to a request without them. It records each request line.
 */
public final class ForwardProxy implements AutoCloseable {
    private final ServerSocket server;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    /** "CONNECT host:port" or "POST http://host:port/path", per connection's first request. */
    public final List<String> requests = new CopyOnWriteArrayList<>();

    private final String requiredAuthorization;

    private ForwardProxy(String requiredAuthorization) throws IOException {
        this.requiredAuthorization = requiredAuthorization;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        pool.execute(this::accept);
    }

    public static ForwardProxy start() throws IOException {
        return new ForwardProxy(null);
    }

    /** A proxy that wants {@code Proxy-Authorization: <value>}. */
    public static ForwardProxy requiring(String proxyAuthorization) throws IOException {
        return new ForwardProxy(proxyAuthorization);
    }

    public String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                pool.execute(() -> serve(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            byte[] head = readHead(in);
            String text = new String(head, StandardCharsets.ISO_8859_1);
            String line = text.substring(0, text.indexOf("\r\n"));
            requests.add(line.substring(0, line.lastIndexOf(' ')));
            if (requiredAuthorization != null
                    && !text.toLowerCase()
                            .contains("\r\nproxy-authorization: " + requiredAuthorization.toLowerCase() + "\r\n")) {
                client.getOutputStream()
                        .write(
                                "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                        .getBytes(StandardCharsets.ISO_8859_1));
                return;
            }
            String[] parts = line.split(" ");
            int port;
            if (parts[0].equals("CONNECT")) {
                port = Integer.parseInt(parts[1].substring(parts[1].lastIndexOf(':') + 1));
            } else {
                URI uri = URI.create(parts[1]);
                port = uri.getPort() < 0 ? 80 : uri.getPort();
            }
            try (Socket target = new Socket(InetAddress.getLoopbackAddress(), port)) {
                if (parts[0].equals("CONNECT")) {
                    client.getOutputStream()
                            .write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                } else {
                    target.getOutputStream().write(head);
                }
                pool.execute(() -> pipe(client, target));
                pipe(target, client);
            }
        } catch (IOException e) {
            // a client or target went away: the tunnel ends
        }
    }

    private static void pipe(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
        } catch (IOException e) {
            // closed
        } finally {
            try {
                to.shutdownOutput();
            } catch (IOException ignored) {
                // closed already
            }
        }
    }

    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before the request head ended");
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : b == '\r' ? 1 : 0;
        }
        return head.toByteArray();
    }

    @Override
    public void close() throws IOException {
        server.close();
        pool.shutdownNow();
    }
}
