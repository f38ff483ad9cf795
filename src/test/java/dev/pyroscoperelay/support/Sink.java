package dev.pyroscoperelay.support;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/** A fake Pyroscope server on loopback that records every request and answers from a script. */
public final class Sink implements AutoCloseable {

    /** What one request looked like on the wire (header names lower-cased). */
    public record Received(
            String method, String path, String rawQuery, Map<String, List<String>> headers, byte[] body) {
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase());
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }

    /** A scripted answer: status, delay before answering, extra headers, and a body (null: a default one). */
    public record Answer(int status, long delayMillis, Map<String, String> headers, byte[] body) {
        public Answer(int status, long delayMillis, Map<String, String> headers) {
            this(status, delayMillis, headers, null);
        }

        public static Answer status(int status) {
            return new Answer(status, 0, Map.of());
        }
    }

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final LinkedBlockingQueue<Received> queue = new LinkedBlockingQueue<>();
    private final List<Received> all = new CopyOnWriteArrayList<>();
    private final AtomicInteger count = new AtomicInteger();
    private volatile IntFunction<Answer> script = n -> Answer.status(200);
    private volatile java.util.function.Function<Received, Answer> byRequest;

    private Sink(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
        server.setExecutor(pool);
        server.createContext("/", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            Map<String, List<String>> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), List.copyOf(v)));
            Received r = new Received(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(),
                    exchange.getRequestURI().getRawQuery(),
                    headers,
                    body);
            int n = count.incrementAndGet();
            all.add(r);
            queue.add(r);
            Answer a = byRequest != null ? byRequest.apply(r) : script.apply(n);
            if (a.delayMillis > 0) {
                try {
                    Thread.sleep(a.delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            a.headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            byte[] text = a.body != null
                    ? a.body
                    : a.status >= 400 ? ("sink says " + a.status).getBytes(StandardCharsets.UTF_8) : new byte[0];
            try {
                exchange.sendResponseHeaders(a.status, text.length == 0 ? -1 : text.length);
                if (text.length > 0) {
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(text);
                    }
                }
            } catch (IOException e) {
                // the relay gave up on this attempt: fine
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    public static Sink start() throws IOException {
        return new Sink(0);
    }

    /** On a fixed port, for the packaged default route. */
    public static Sink start(int port) throws IOException {
        return new Sink(port);
    }

    public Sink answering(IntFunction<Answer> script) {
        this.script = script;
        return this;
    }

    /** Answers each request by what it carries (its headers, say). */
    public Sink answeringEach(java.util.function.Function<Received, Answer> byRequest) {
        this.byRequest = byRequest;
        return this;
    }

    public Sink answering(int status) {
        return answering(n -> Answer.status(status));
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** The next request, waiting up to 10 s; fails when none arrives. */
    public Received take() throws InterruptedException {
        Received r = queue.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("sink on port " + port() + " received nothing within 10 s");
        }
        return r;
    }

    public Received poll(long millis) throws InterruptedException {
        return queue.poll(millis, TimeUnit.MILLISECONDS);
    }

    public int count() {
        return count.get();
    }

    public List<Received> all() {
        return all;
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
