import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.pyroscoperelay.proto.push.v1.PushRequest;
import dev.pyroscoperelay.proto.push.v1.PushResponse;
import dev.pyroscoperelay.proto.push.v1.RawProfileSeries;
import dev.pyroscoperelay.proto.push.v1.RawSample;
import dev.pyroscoperelay.proto.types.v1.LabelPair;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.profiles.v1development.Profile;
import io.opentelemetry.proto.profiles.v1development.ResourceProfiles;
import io.opentelemetry.proto.profiles.v1development.ScopeProfiles;
import io.opentelemetry.proto.resource.v1.Resource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * For bench/apis.sh (run with the test classpath, see there):
 *   ApiLoad bodies DIR BYTES            writes push.bin (a PushRequest) and otlp.bin (an ExportProfilesServiceRequest)
 *                                       whose profile bytes are BYTES random bytes, as /ingest's body is
 *   ApiLoad grpc PORT CONNS SECONDS DIR  gRPC push of DIR/push.bin over h2c with CONNS calls in flight; prints
 *                                       "requests N errors E rps R p50 A p99 B" (ms)
 */
public class ApiLoad {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("bodies")) {
            bodies(Path.of(args[1]), Integer.parseInt(args[2]));
        } else {
            grpc(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Path.of(args[4]));
        }
    }

    static void bodies(Path dir, int size) throws Exception {
        byte[] profile = new byte[size];
        new Random(1).nextBytes(profile);
        PushRequest push = PushRequest.newBuilder()
                .addSeries(RawProfileSeries.newBuilder()
                        .addLabels(
                                LabelPair.newBuilder().setName("service_name").setValue("bench.app"))
                        .addLabels(LabelPair.newBuilder().setName("__name__").setValue("process_cpu"))
                        .addSamples(RawSample.newBuilder().setRawProfile(ByteString.copyFrom(profile))))
                .build();
        Files.write(dir.resolve("push.bin"), push.toByteArray());
        ExportProfilesServiceRequest otlp = ExportProfilesServiceRequest.newBuilder()
                .addResourceProfiles(ResourceProfiles.newBuilder()
                        .setResource(Resource.newBuilder()
                                .addAttributes(KeyValue.newBuilder()
                                        .setKey("service.name")
                                        .setValue(AnyValue.newBuilder().setStringValue("bench.app"))))
                        .addScopeProfiles(ScopeProfiles.newBuilder()
                                .addProfiles(Profile.newBuilder().setOriginalPayload(ByteString.copyFrom(profile)))))
                .build();
        Files.write(dir.resolve("otlp.bin"), otlp.toByteArray());
    }

    static <T extends Message> MethodDescriptor<T, PushResponse> push(T request) {
        return MethodDescriptor.<T, PushResponse>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName("push.v1.PusherService/Push")
                .setRequestMarshaller(ProtoUtils.marshaller(request))
                .setResponseMarshaller(ProtoUtils.marshaller(PushResponse.getDefaultInstance()))
                .build();
    }

    static void grpc(int port, int conns, int seconds, Path dir) throws Exception {
        PushRequest request = PushRequest.parseFrom(Files.readAllBytes(dir.resolve("push.bin")));
        MethodDescriptor<PushRequest, PushResponse> method = push(PushRequest.getDefaultInstance());
        ManagedChannel channel =
                NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        Semaphore inFlight = new Semaphore(conns);
        AtomicLong errors = new AtomicLong();
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long started = System.nanoTime();
        while (System.nanoTime() < end) {
            inFlight.acquire();
            long t0 = System.nanoTime();
            ClientCalls.asyncUnaryCall(channel.newCall(method, CallOptions.DEFAULT), request, new StreamObserver<>() {
                @Override
                public void onNext(PushResponse value) {}

                @Override
                public void onError(Throwable t) {
                    errors.incrementAndGet();
                    inFlight.release();
                }

                @Override
                public void onCompleted() {
                    latencies.add(System.nanoTime() - t0);
                    inFlight.release();
                }
            });
        }
        inFlight.acquire(conns);
        double elapsed = (System.nanoTime() - started) / 1e9;
        long[] l = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(
                "requests %d errors %d rps %.0f p50 %.2f p99 %.2f%n",
                l.length,
                errors.get(),
                l.length / elapsed,
                l.length == 0 ? 0 : l[l.length / 2] / 1e6,
                l.length == 0 ? 0 : l[(int) (l.length * 0.99)] / 1e6);
        channel.shutdownNow();
    }
}
