package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.IngestUpload;
import dev.pyroscoperelay.RelayExchange;
import dev.pyroscoperelay.labels.IngestQuery;
import dev.pyroscoperelay.labels.InvalidProfileException;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;

/**
 * First step of {@code kamelet:pyroscope-receive}: turns the raw request into a validated {@link dev.pyroscoperelay.ProfileUpload}
 * body, so the route only ever carries uploads that every writer can send. Throws {@link InvalidProfileException} (a 4xx) otherwise.
 */
public class UploadReader implements Processor {
    private long clientTimeoutMillis = 10_000;

    @Override
    public void process(Exchange exchange) {
        long now = System.nanoTime();
        exchange.setProperty(RelayExchange.PROPERTY, new RelayExchange(now, now + clientTimeoutMillis * 1_000_000L));
        Message in = exchange.getMessage();
        ReceiverApi api = exchange.getProperty(ReceiverApi.class.getName(), ReceiverApi.class);
        byte[] body = in.getBody(byte[].class);
        String rawQuery = in.getHeader(Exchange.HTTP_RAW_QUERY, String.class);
        in.removeHeader(Exchange.HTTP_RAW_QUERY);
        in.removeHeader(Exchange.HTTP_PATH);
        in.removeHeader(Exchange.HTTP_METHOD);
        if (api == null || body == null) {
            throw new IllegalStateException("kamelet:pyroscope-receive got an exchange that its receiver did not read");
        }
        if (api == ReceiverApi.PUSH) {
            throw new InvalidProfileException(501, "the push API is not implemented yet: send to /ingest");
        }
        if (body.length == 0) {
            throw new InvalidProfileException("empty body: /ingest needs the profile in the request body");
        }
        in.setBody(new IngestUpload(body, in.getHeader("Content-Type", String.class),
                in.getHeader("Content-Encoding", String.class), IngestQuery.parse(rawQuery)));
    }

    public long getClientTimeoutMillis() {
        return clientTimeoutMillis;
    }

    public void setClientTimeout(String duration) {
        this.clientTimeoutMillis = dev.pyroscoperelay.Durations.parseMillis("clientTimeout", duration);
    }
}
