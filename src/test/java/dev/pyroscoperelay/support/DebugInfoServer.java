package dev.pyroscoperelay.support;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.pyroscoperelay.proto.debuginfo.v1alpha1.ShouldInitiateUploadRequest;
import dev.pyroscoperelay.proto.debuginfo.v1alpha1.ShouldInitiateUploadResponse;
import dev.pyroscoperelay.proto.debuginfo.v1alpha1.UploadFinishedRequest;
import dev.pyroscoperelay.proto.debuginfo.v1alpha1.UploadFinishedResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A fake Pyroscope debug-info server on loopback, as Pyroscope serves the API: the Connect calls ShouldInitiateUpload
 * and UploadFinished (proto or JSON, read and answered with the real messages) and the upload of a file, whose bytes
 * it streams into a SHA-256 (a 200 MB file is never held). Every other POST (/ingest, ...) is taken with 200 and
 * counted, so it can be one destination of a multicast.
 */
public final class DebugInfoServer implements AutoCloseable {
    private static final String SERVICE = "/debuginfo.v1alpha1.DebuginfoService/";

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    /** Method names of the calls, in order ("ShouldInitiateUpload", "Upload", "UploadFinished", "other"). */
    private final List<String> calls = new CopyOnWriteArrayList<>();
    /** Build id to the SHA-256 (hex) and length of what was uploaded. */
    private final Map<String, String> uploaded = new ConcurrentHashMap<>();

    private final Map<String, Boolean> finished = new ConcurrentHashMap<>();
    private volatile int status = 200;

    private DebugInfoServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    public static DebugInfoServer start() throws IOException {
        return new DebugInfoServer();
    }

    /** Every answer with this status from now on (a failing destination). */
    public DebugInfoServer answering(int status) {
        this.status = status;
        return this;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<String> calls() {
        return calls;
    }

    /** "sha256-hex length" of the file uploaded for a build id, or null. */
    public String uploaded(String buildId) {
        return uploaded.get(buildId);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            if (status != 200) {
                drain(ex.getRequestBody());
                calls.add("failed");
                send(ex, status, "text/plain", "down\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (path.equals(SERVICE + "ShouldInitiateUpload")) {
                ShouldInitiateUploadRequest.Builder req = ShouldInitiateUploadRequest.newBuilder();
                boolean json = read(ex, req);
                calls.add("ShouldInitiateUpload");
                String id = req.getFile().getGnuBuildId();
                boolean known = finished.containsKey(id);
                reply(
                        ex,
                        json,
                        ShouldInitiateUploadResponse.newBuilder()
                                .setShouldInitiateUpload(!known)
                                .setReason(known ? "already uploaded" : "first time seen")
                                .build());
            } else if (path.equals(SERVICE + "UploadFinished")) {
                UploadFinishedRequest.Builder req = UploadFinishedRequest.newBuilder();
                boolean json = read(ex, req);
                calls.add("UploadFinished");
                finished.put(req.getGnuBuildId(), true);
                reply(ex, json, UploadFinishedResponse.getDefaultInstance());
            } else if (path.startsWith(SERVICE + "Upload/")) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                long n = 0;
                byte[] chunk = new byte[1 << 16];
                try (InputStream in = ex.getRequestBody()) {
                    for (int r; (r = in.read(chunk)) > 0; ) {
                        sha.update(chunk, 0, r);
                        n += r;
                    }
                }
                calls.add("Upload");
                uploaded.put(
                        path.substring((SERVICE + "Upload/").length()),
                        HexFormat.of().formatHex(sha.digest()) + " " + n);
                send(ex, 200, null, new byte[0]);
            } else {
                drain(ex.getRequestBody());
                calls.add("other");
                send(ex, 200, "text/plain", new byte[0]);
            }
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    /** Reads a Connect unary request into the builder; true when it was JSON. */
    private static boolean read(HttpExchange ex, Message.Builder into) throws IOException {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        byte[] body = ex.getRequestBody().readAllBytes();
        boolean json = type != null && type.startsWith("application/json");
        if (json) {
            JsonFormat.parser().merge(new String(body, StandardCharsets.UTF_8), into);
        } else {
            into.mergeFrom(body);
        }
        return json;
    }

    private static void reply(HttpExchange ex, boolean json, Message message) throws IOException {
        byte[] body =
                json ? JsonFormat.printer().print(message).getBytes(StandardCharsets.UTF_8) : message.toByteArray();
        send(ex, 200, json ? "application/json" : "application/proto", body);
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        if (type != null) {
            ex.getResponseHeaders().set("Content-Type", type);
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static void drain(InputStream in) throws IOException {
        in.transferTo(OutputStream.nullOutputStream());
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
