package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.pyroscoperelay.proto.push.v1.PushRequest;
import dev.pyroscoperelay.proto.push.v1.PushResponse;
import dev.pyroscoperelay.proto.push.v1.RawProfileSeries;
import dev.pyroscoperelay.proto.push.v1.RawSample;
import dev.pyroscoperelay.proto.types.v1.LabelPair;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.support.TestCertificates;
import dev.pyroscoperelay.support.TestCertificates.Pair;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.profiles.v1development.ResourceProfiles;
import io.opentelemetry.proto.resource.v1.Resource;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real gRPC client (grpc-java over Netty) calling push.v1.PusherService/Push and OTLP's ProfilesService/Export on
 * an HTTPS receiver (h2 by ALPN): the push reaches both destinations as a Connect push does, the OTLP export as
 * OTLP/HTTP; destination failures come back as gRPC status codes.
 */
class GrpcTest {
    @TempDir
    Path work;

    private Sink first;
    private Sink second;
    private Relay relay;
    private ManagedChannel channel;

    private static <Req extends Message, Resp extends Message> MethodDescriptor<Req, Resp> unary(
            String fullName, Req request, Resp response) {
        return MethodDescriptor.<Req, Resp>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(fullName)
                .setRequestMarshaller(ProtoUtils.marshaller(request))
                .setResponseMarshaller(ProtoUtils.marshaller(response))
                .build();
    }

    /** Also used by AbuseTest. */
    static final MethodDescriptor<PushRequest, PushResponse> PUSH =
            unary("push.v1.PusherService/Push", PushRequest.getDefaultInstance(), PushResponse.getDefaultInstance());

    private static final MethodDescriptor<ExportProfilesServiceRequest, ExportProfilesServiceResponse> EXPORT = unary(
            "opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export",
            ExportProfilesServiceRequest.getDefaultInstance(),
            ExportProfilesServiceResponse.getDefaultInstance());
    private static final MethodDescriptor<PushRequest, PushResponse> UNKNOWN =
            unary("push.v1.PusherService/Nope", PushRequest.getDefaultInstance(), PushResponse.getDefaultInstance());

    private void start(int secondStatus) throws Exception {
        first = Sink.start();
        second = Sink.start().answering(secondStatus);
        Pair cert = TestCertificates.create(work, "server", "relay");
        int port = Relay.freePort();
        Relay.writeRoute(
                work,
                "relay.yaml",
                RouteFile.of("GrpcTest/tls-two-writers.yaml")
                        .with("port", port)
                        .with("cert.certPem", cert.certPem())
                        .with("cert.keyPem", cert.keyPem())
                        .with("first.url", first.url())
                        .with("second.url", second.url())
                        .yaml());
        relay = Relay.start(work);
        channel = NettyChannelBuilder.forAddress("localhost", port)
                .sslContext(GrpcSslContexts.forClient()
                        .trustManager(cert.certPem().toFile())
                        .build())
                .build();
    }

    @AfterEach
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (relay != null) {
            relay.close();
        }
        first.close();
        second.close();
    }

    private <Req, Resp> Resp call(MethodDescriptor<Req, Resp> method, Req request) {
        return ClientCalls.blockingUnaryCall(
                channel, method, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), request);
    }

    static PushRequest push() {
        return PushRequest.newBuilder()
                .addSeries(RawProfileSeries.newBuilder()
                        .addLabels(
                                LabelPair.newBuilder().setName("service_name").setValue("grpc-app"))
                        .addLabels(LabelPair.newBuilder().setName("__name__").setValue("process_cpu"))
                        .addSamples(RawSample.newBuilder().setRawProfile(ByteString.copyFromUtf8("pprof bytes"))))
                .build();
    }

    @Test
    void aGrpcPushReachesEveryDestinationAsAConnectPush() throws Exception {
        start(200);
        assertEquals(PushResponse.getDefaultInstance(), call(PUSH, push()));
        for (Sink sink : new Sink[] {first, second}) {
            Sink.Received got = sink.take();
            assertEquals("/push.v1.PusherService/Push", got.path());
            assertEquals("application/proto", got.header("Content-Type"));
            PushRequest forwarded = PushRequest.parseFrom(got.body());
            Map<String, String> labels = new TreeMap<>();
            forwarded.getSeries(0).getLabelsList().forEach(p -> labels.put(p.getName(), p.getValue()));
            assertEquals(Map.of("service_name", "grpc-app", "__name__", "process_cpu", "env", "prod"), labels);
            assertEquals(
                    push().getSeries(0).getSamples(0), forwarded.getSeries(0).getSamples(0));
        }
    }

    @Test
    void anOtlpExportOverGrpcIsForwardedAsOtlpHttp() throws Exception {
        start(200);
        ExportProfilesServiceRequest export = ExportProfilesServiceRequest.newBuilder()
                .addResourceProfiles(ResourceProfiles.newBuilder()
                        .setResource(Resource.newBuilder()
                                .addAttributes(KeyValue.newBuilder()
                                        .setKey("service.name")
                                        .setValue(AnyValue.newBuilder().setStringValue("ebpf")))))
                .build();
        assertEquals(ExportProfilesServiceResponse.getDefaultInstance(), call(EXPORT, export));
        Sink.Received got = first.take();
        assertEquals("/v1development/profiles", got.path());
        assertEquals("application/x-protobuf", got.header("Content-Type"));
        ExportProfilesServiceRequest forwarded = ExportProfilesServiceRequest.parseFrom(got.body());
        assertEquals(
                "prod",
                forwarded.getResourceProfiles(0).getResource().getAttributesList().stream()
                        .filter(kv -> kv.getKey().equals("env"))
                        .findFirst()
                        .orElseThrow()
                        .getValue()
                        .getStringValue());
    }

    @Test
    void cleartextHttp2WhenTheReceiverAsksForIt() throws Exception {
        first = Sink.start();
        second = Sink.start();
        int h2c = Relay.freePort();
        int plain = Relay.freePort();
        Relay.writeRoute(
                work,
                "relay.yaml",
                RouteFile.of("GrpcTest/h2c-and-plain.yaml")
                        .with("h2c", h2c)
                        .with("first.url", first.url())
                        .with("plain", plain)
                        .with("second.url", second.url())
                        .yaml());
        relay = Relay.start(work);
        channel =
                NettyChannelBuilder.forAddress("127.0.0.1", h2c).usePlaintext().build();
        assertEquals(PushResponse.getDefaultInstance(), call(PUSH, push()));
        assertEquals("/push.v1.PusherService/Push", first.take().path());

        ManagedChannel http1Only = NettyChannelBuilder.forAddress("127.0.0.1", plain)
                .usePlaintext()
                .build();
        try {
            StatusRuntimeException refused = assertThrows(
                    StatusRuntimeException.class,
                    () -> ClientCalls.blockingUnaryCall(
                            http1Only, PUSH, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), push()));
            assertTrue(refused.getStatus().getCode() != Status.Code.OK, refused.toString());
        } finally {
            http1Only.shutdownNow();
        }
        assertEquals(0, second.count(), "without h2c nothing arrives over cleartext HTTP/2");
        // Connect over h2c with prior knowledge (a Vert.x HTTP/2 client)
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try {
            io.vertx.core.http.HttpClient client = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
                    .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2)
                    .setHttp2ClearTextUpgrade(false));
            io.vertx.core.http.HttpClientResponse answered = client.request(
                            io.vertx.core.http.HttpMethod.POST, h2c, "127.0.0.1", "/push.v1.PusherService/Push")
                    .compose(req -> req.putHeader("Content-Type", "application/proto")
                            .send(io.vertx.core.buffer.Buffer.buffer(push().toByteArray())))
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(20, TimeUnit.SECONDS);
            assertEquals(200, answered.statusCode());
            assertEquals(io.vertx.core.http.HttpVersion.HTTP_2, answered.version());
            assertEquals("/push.v1.PusherService/Push", first.take().path());
        } finally {
            vertx.close();
        }
        // the HTTP/1.1 API on the h2c port is unchanged
        assertEquals(
                200,
                dev.pyroscoperelay.support.Client.post(h2c, "/ingest?name=h1.app", new byte[] {1}, Map.of())
                        .status());
    }

    /**
     * Huge, over-budget, many and stalled calls on an h2c receiver with a small memory budget: each gets its gRPC
     * status, the relay keeps serving, and every counted byte is given back.
     */
    @Test
    void hugeManyAndStalledCalls() throws Exception {
        first = Sink.start();
        second = Sink.start();
        int port = Relay.freePort();
        Relay.writeRoute(
                work,
                "relay.yaml",
                RouteFile.of("GrpcTest/one-writer.yaml")
                        .with("port", port)
                        .with("first.url", first.url())
                        .yaml());
        relay = Relay.start(
                work,
                Map.of(
                        "pyroscope.relay.body-memory-limit", "4MiB",
                        "pyroscope.relay.body-memory-per-body", "1MiB"));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
                .usePlaintext()
                .maxInboundMessageSize(1024)
                .build();

        PushRequest huge = PushRequest.newBuilder()
                .addSeries(push().getSeries(0).toBuilder()
                        .addSamples(RawSample.newBuilder().setRawProfile(ByteString.copyFrom(new byte[3 << 20]))))
                .build();
        StatusRuntimeException tooLarge = assertThrows(StatusRuntimeException.class, () -> call(PUSH, huge));
        assertTrue(
                tooLarge.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED
                        || tooLarge.getStatus().getCode() == Status.Code.UNAVAILABLE,
                tooLarge.getStatus().toString());

        // 200 calls at once on one connection (HTTP/2 streams)
        var calls = new java.util.ArrayList<com.google.common.util.concurrent.ListenableFuture<PushResponse>>();
        for (int i = 0; i < 200; i++) {
            calls.add(ClientCalls.futureUnaryCall(
                    channel.newCall(PUSH, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)), push()));
        }
        for (var c : calls) {
            assertEquals(PushResponse.getDefaultInstance(), c.get(30, TimeUnit.SECONDS));
        }
        assertEquals(200, first.count());

        // a call whose request never ends: cut after readTimeout
        io.grpc.ClientCall<PushRequest, PushResponse> stalled =
                channel.newCall(PUSH, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS));
        java.util.concurrent.CompletableFuture<Status> closed = new java.util.concurrent.CompletableFuture<>();
        stalled.start(
                new io.grpc.ClientCall.Listener<>() {
                    @Override
                    public void onClose(Status status, io.grpc.Metadata trailers) {
                        closed.complete(status);
                    }
                },
                new io.grpc.Metadata());
        stalled.request(1);
        stalled.sendMessage(push());
        assertEquals(
                Status.Code.DEADLINE_EXCEEDED, closed.get(20, TimeUnit.SECONDS).getCode());

        assertEquals(PushResponse.getDefaultInstance(), call(PUSH, push()), "still serving");
        assertTrue(
                dev.pyroscoperelay.support.Client.get(relay.managementPort(), "/observe/metrics")
                        .body()
                        .contains("api=\"push_grpc\""),
                "gRPC calls have their own api label");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String metrics;
        do {
            metrics = dev.pyroscoperelay.support.Client.get(relay.managementPort(), "/observe/metrics")
                    .body();
        } while (!metrics.contains("pyroscope_relay_body_memory_bytes 0.0") && System.nanoTime() < end);
        assertTrue(metrics.contains("pyroscope_relay_body_memory_bytes 0.0"), "every counted byte given back");
    }

    @Test
    void aDestinationsRefusalIsInvalidArgument() throws Exception {
        start(400);
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> call(PUSH, push()));
        assertEquals(
                Status.Code.INVALID_ARGUMENT,
                refused.getStatus().getCode(),
                refused.getStatus().toString());
        assertTrue(
                refused.getStatus().getDescription().contains("second"),
                refused.getStatus().toString());
    }

    @Test
    void failuresAreGrpcStatusCodes() throws Exception {
        start(503);
        StatusRuntimeException unavailable = assertThrows(StatusRuntimeException.class, () -> call(PUSH, push()));
        assertEquals(Status.Code.UNAVAILABLE, unavailable.getStatus().getCode());
        assertTrue(
                unavailable.getStatus().getDescription().contains("second"),
                unavailable.getStatus().toString());
        assertEquals(1, first.count(), "the other destination got it");

        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class, () -> call(UNKNOWN, push()));
        assertEquals(Status.Code.UNIMPLEMENTED, unknown.getStatus().getCode());

        MethodDescriptor<ByteString, PushResponse> raw = MethodDescriptor.<ByteString, PushResponse>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName("push.v1.PusherService/Push")
                .setRequestMarshaller(new MethodDescriptor.Marshaller<>() {
                    @Override
                    public java.io.InputStream stream(ByteString value) {
                        return value.newInput();
                    }

                    @Override
                    public ByteString parse(java.io.InputStream stream) {
                        throw new UnsupportedOperationException();
                    }
                })
                .setResponseMarshaller(ProtoUtils.marshaller(PushResponse.getDefaultInstance()))
                .build();
        StatusRuntimeException malformed = assertThrows(
                StatusRuntimeException.class, () -> call(raw, ByteString.copyFrom(new byte[] {(byte) 0xff, 1, 2})));
        assertEquals(Status.Code.INVALID_ARGUMENT, malformed.getStatus().getCode());
        assertEquals(1, first.count(), "nothing more forwarded");
    }
}
