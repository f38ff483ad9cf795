package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.runtime.Durations;
import dev.pyroscoperelay.runtime.RelayNames;
import dev.pyroscoperelay.upload.InvalidProfileException;
import dev.pyroscoperelay.upload.RelayExchange;
import dev.pyroscoperelay.upload.RoutingHeaders;
import dev.pyroscoperelay.upload.UploadApi;
import dev.pyroscoperelay.upload.UploadBody;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.AsyncProcessorSupport;

/**
 * First step of {@code kamelet:pyroscope-receive}: turns the raw request into a validated {@link dev.pyroscoperelay.upload.ProfileUpload}
 * body, so the route only ever carries uploads that every writer can send. Throws {@link InvalidProfileException} (a 4xx) otherwise.
 */
public class UploadReader extends AsyncProcessorSupport {
    /** A body to decode that is larger than this (or gzip, which may be a bomb up to the limit) is decoded off the loop. */
    static final long DECODE_ON_LOOP_MAX_BYTES = 256 * 1024;

    /** Exchange property with the Content-Type of the client's answer (the request's API picks it). */
    static final String RESPONSE_CONTENT_TYPE = "pyroscope.relay.responseContentType";

    private long clientTimeoutMillis = Durations.parseMillis("clientTimeout", ReceiverDefaults.CLIENT_TIMEOUT);
    private long maxBodySize = ReceiverDefaults.MAX_BODY_SIZE;
    private long debugInfoUploadTimeoutMillis =
            Durations.parseMillis("debugInfoUploadTimeout", ReceiverDefaults.DEBUG_INFO_UPLOAD_TIMEOUT);
    private volatile BodyBudget budget;
    private String receivingRoute;

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        Runnable decode;
        try {
            decode = read(exchange);
        } catch (RuntimeException e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        Context loop = Vertx.currentContext();
        if (decode == null || loop == null || !Context.isOnEventLoopThread()) {
            if (decode != null) {
                decode(exchange, decode);
            }
            callback.done(true);
            return true;
        }
        // a large body or a gzip one (decompressing up to the limit takes a while): decoded on a worker, so the other
        // requests of this event loop go on; the route continues on the event loop when it is done
        loop.executeBlocking(
                        () -> {
                            decode(exchange, decode);
                            return null;
                        },
                        false)
                .onComplete(done -> callback.done(false));
        return false;
    }

    private static void decode(Exchange exchange, Runnable decode) {
        try {
            decode.run();
        } catch (RuntimeException e) {
            exchange.setException(e);
        }
    }

    /** Checks the request and sets up the exchange; returns the decoding still to do (null when done already). */
    private Runnable read(Exchange exchange) {
        long now = System.nanoTime();
        Message in = exchange.getMessage();
        UploadApi api = exchange.getProperty(RelayNames.API_PROPERTY, UploadApi.class);
        if (receivingRoute != null && !receivingRoute.isBlank()) {
            exchange.setProperty(RelayNames.RECEIVING_ROUTE_PROPERTY, receivingRoute);
        }
        long timeout = api != null && api.oneDestination() ? debugInfoUploadTimeoutMillis : clientTimeoutMillis;
        String connectTimeout = in.getHeader("Connect-Timeout-Ms", String.class);
        if (connectTimeout != null) {
            try {
                timeout = Math.min(timeout, Long.parseLong(connectTimeout.trim()));
            } catch (NumberFormatException e) {
                throw new InvalidProfileException("Connect-Timeout-Ms is not a number: " + connectTimeout);
            }
        }
        exchange.setProperty(RelayExchange.PROPERTY, new RelayExchange(now + timeout * 1_000_000L));
        UploadBody body = in.getBody(UploadBody.class);
        String rawQuery = in.getHeader(Exchange.HTTP_RAW_QUERY, String.class);
        String path = in.getHeader(Exchange.HTTP_PATH, String.class);
        in.removeHeader(Exchange.HTTP_RAW_QUERY);
        in.removeHeader(Exchange.HTTP_PATH);
        in.removeHeader(Exchange.HTTP_METHOD);
        if (api == null || body == null) {
            throw new IllegalStateException("kamelet:pyroscope-receive got an exchange that its receiver did not read");
        }
        String contentType = in.getHeader("Content-Type", String.class);
        exchange.setProperty(RESPONSE_CONTENT_TYPE, api.responseContentType(contentType));
        // a decoded request is held to the same size as a body kept in memory
        long maxMessage = Math.min(maxBodySize, budget(exchange).memoryPerBody());
        String encoding = in.getHeader("Content-Encoding", String.class);
        Runnable decode = () -> {
            in.setBody(api.decode(path, body, contentType, encoding, rawQuery, maxMessage));
            RoutingHeaders.update(in);
        };
        boolean heavy = api.decodedInMemory()
                && (body.length() > DECODE_ON_LOOP_MAX_BYTES
                        || encoding != null && encoding.trim().equalsIgnoreCase("gzip"));
        if (!heavy) {
            decode.run();
            return null;
        }
        return decode;
    }

    /** The relay's body budget, looked up once (the lookup locks the CamelContext: not for every request). */
    private BodyBudget budget(Exchange exchange) {
        BodyBudget b = budget;
        if (b == null) {
            b = budget = BodyBudget.of(exchange.getContext());
        }
        return b;
    }

    public void setMaxBodySize(long maxBodySize) {
        this.maxBodySize = maxBodySize;
    }

    /** Set by the Kamelet: the route that uses this receiver. */
    public void setReceivingRoute(String receivingRoute) {
        this.receivingRoute = receivingRoute;
    }

    public void setDebugInfoUploadTimeout(String duration) {
        this.debugInfoUploadTimeoutMillis = Durations.parseMillis("debugInfoUploadTimeout", duration);
    }

    public void setClientTimeout(String duration) {
        this.clientTimeoutMillis = Durations.parseMillis("clientTimeout", duration);
    }
}
