import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * The floor for a relay on Vert.x: read the body, send it to one sink, answer with the sink's result. No Camel, no
 * labels, no retries. For scale only (README, "What limits it now"):
 *
 *   javac -cp target/pyroscope-relay.jar -d /tmp bench/BareVertxProxy.java
 *   taskset -c 1 java -XX:+UseSerialGC -cp target/pyroscope-relay.jar:/tmp BareVertxProxy LISTEN_PORT SINK_PORT
 */
public class BareVertxProxy {
    public static void main(String[] args) {
        int listen = Integer.parseInt(args[0]);
        int sink = Integer.parseInt(args[1]);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        HttpClient client = vertx.createHttpClient(
                new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(64));
        vertx.createHttpServer()
                .requestHandler(req -> req.body()
                        .onSuccess(body -> client.request(new RequestOptions()
                                        .setMethod(HttpMethod.POST)
                                        .setHost("127.0.0.1")
                                        .setPort(sink)
                                        .setURI(req.uri()))
                                .compose(r -> r.send(Buffer.buffer(body.getBytes())))
                                .compose(HttpClientResponse::body)
                                .onComplete(ar -> req.response()
                                        .setStatusCode(ar.succeeded() ? 200 : 502)
                                        .end())))
                .listen(listen, "127.0.0.1");
    }
}
