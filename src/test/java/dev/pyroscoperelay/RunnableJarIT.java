package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.ChildRelay;
import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Fixtures;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runnable jar as docs/config.md describes it (run by failsafe after `package`): started with the README's run
 * command in a folder with no routes/ it serves the packaged default route, 0.0.0.0:9999 to http://localhost:4040,
 * with the packaged properties (management on its own port), and a routes/ folder replaces it.
 */
class RunnableJarIT {
    @TempDir
    Path work;

    @Test
    void packagedDefaultRouteAndProperties() throws Exception {
        try (Sink pyroscope = Sink.start(4040);
                ChildRelay relay = ChildRelay.startJar(work, 9999)) {
            byte[] body = {1, 2, 3, 4};
            Client.Response r = Client.post(9999, "/ingest?name=jar.app", body, Map.of());
            assertEquals(200, r.status(), r.body() + relay.log());
            Sink.Received got = pyroscope.take();
            assertArrayEquals(body, got.body());
            assertEquals(
                    "jar.app", Fixtures.forwardedName(got.rawQuery()).labels().get("service_name"));
            assertEquals(
                    200, Client.get(relay.managementPort(), "/observe/health").status());
            assertTrue(Client.get(relay.managementPort(), "/metrics")
                    .body()
                    .contains("pyroscope_relay_received_requests_total"));
            assertTrue(relay.log().contains("routes from the packaged default route"), relay.log());
        }
    }

    @Test
    void routesFolderOfTheWorkingDirectory() throws Exception {
        try (Sink sink = Sink.start()) {
            int port = dev.pyroscoperelay.support.Relay.freePort();
            dev.pyroscoperelay.support.Relay.writeRoute(
                    work, "relay.yaml", dev.pyroscoperelay.support.RouteYaml.receiveAndWrite("mine", port, sink.url()));
            try (ChildRelay relay = ChildRelay.startJar(work, port)) {
                assertEquals(
                        200,
                        Client.post(port, "/ingest?name=jar.app", new byte[] {9}, Map.of())
                                .status());
                assertEquals(1, sink.count());
                assertTrue(Files.readString(work.resolve("relay.log")).contains("1 receivers, 1 writers"), relay.log());
            }
        }
    }

    /**
     * gRPC and OTLP from the packaged jar, which has Vert.x's gRPC server but no grpc-java: a push over gRPC (h2 on a
     * TLS receiver) and an OTLP/HTTP export reach the destination.
     */
    @Test
    void grpcPushAndOtlpFromThePackagedJar() throws Exception {
        try (Sink sink = Sink.start()) {
            int port = dev.pyroscoperelay.support.Relay.freePort();
            var cert = dev.pyroscoperelay.support.TestCertificates.create(work, "server", "relay");
            dev.pyroscoperelay.support.Relay.writeRoute(
                    work,
                    "relay.yaml",
                    RouteFile.of("RunnableJarIT/relay.yaml")
                            .with("port", port)
                            .with("cert.certPem", cert.certPem())
                            .with("cert.keyPem", cert.keyPem())
                            .with("sink.url", sink.url())
                            .yaml());
            try (ChildRelay relay = ChildRelay.startJar(work, port)) {
                var channel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress("localhost", port)
                        .sslContext(io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts.forClient()
                                .trustManager(cert.certPem().toFile())
                                .build())
                        .build();
                try {
                    var push = io.grpc.MethodDescriptor
                            .<dev.pyroscoperelay.proto.push.v1.PushRequest,
                                    dev.pyroscoperelay.proto.push.v1.PushResponse>
                                    newBuilder()
                            .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
                            .setFullMethodName("push.v1.PusherService/Push")
                            .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                                    dev.pyroscoperelay.proto.push.v1.PushRequest.getDefaultInstance()))
                            .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                                    dev.pyroscoperelay.proto.push.v1.PushResponse.getDefaultInstance()))
                            .build();
                    io.grpc.stub.ClientCalls.blockingUnaryCall(
                            channel,
                            push,
                            io.grpc.CallOptions.DEFAULT.withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS),
                            dev.pyroscoperelay.proto.push.v1.PushRequest.newBuilder()
                                    .addSeries(dev.pyroscoperelay.proto.push.v1.RawProfileSeries.newBuilder()
                                            .addLabels(dev.pyroscoperelay.proto.types.v1.LabelPair.newBuilder()
                                                    .setName("service_name")
                                                    .setValue("jar")))
                                    .build());
                } finally {
                    channel.shutdownNow();
                }
                assertEquals("/push.v1.PusherService/Push", sink.take().path(), relay.log());
            }
        }
    }
}
