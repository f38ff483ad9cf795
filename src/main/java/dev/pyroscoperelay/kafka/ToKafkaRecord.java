package dev.pyroscoperelay.kafka;

import dev.pyroscoperelay.runtime.RelayNames;
import dev.pyroscoperelay.upload.NothingLeft;
import dev.pyroscoperelay.upload.ProfileUpload;
import dev.pyroscoperelay.upload.ProfileUpload.OutgoingRequest;
import dev.pyroscoperelay.upload.UploadBody;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.kafka.KafkaConstants;

/**
 * First step of {@code kamelet:pyroscope-kafka-sink}: the upload as a Kafka record (value, key, headers). The
 * exchange's headers and body are kept aside and put back by {@link KafkaSinkOutcome}, so only the record's headers
 * reach Kafka and the route goes on with the upload.
 */
public class ToKafkaRecord implements Processor {
    static final String SAVED_BODY = "pyroscope.relay.kafka.body";
    static final String SAVED_HEADERS = "pyroscope.relay.kafka.headers";
    /** Exchange property: the relabel rules left nothing, no record is sent. */
    static final String NOTHING = "PyroscopeKafkaNothingLeft";
    /** Exchange property: the body is larger than a record may be, no record is sent (the client gets 413). */
    static final String TOO_LARGE = "PyroscopeKafkaTooLarge";
    /** Exchange property: an upload that does not go through Kafka (debug info); no record, no outcome. */
    static final String NOT_CARRIED = "PyroscopeKafkaNotCarried";

    private long maxRequestSize = 16L * 1024 * 1024;

    public void setMaxRequestSize(long maxRequestSize) {
        this.maxRequestSize = maxRequestSize;
    }

    @Override
    public void process(Exchange exchange) {
        Message in = exchange.getMessage();
        ProfileUpload upload = in.getBody(ProfileUpload.class);
        if (upload == null) {
            throw new IllegalStateException(
                    "kamelet:pyroscope-kafka-sink needs an upload from kamelet:pyroscope-receive");
        }
        exchange.setProperty(SAVED_BODY, upload);
        exchange.setProperty(SAVED_HEADERS, new HashMap<>(in.getHeaders()));
        if (upload instanceof NothingLeft) {
            exchange.setProperty(NOTHING, true);
            return;
        }
        OutgoingRequest request = upload.toDestination(Map.of());
        if (request.api().oneDestination()) {
            // a debug-info call goes to a destination's answer, which a topic cannot give: a writer of the route takes
            // it, or the client gets 503 (no destination)
            exchange.setProperty(NOT_CARRIED, true);
            return;
        }
        if (request.body().length() > maxRequestSize) {
            // refused before the body is read into memory: a record is sent whole
            exchange.setProperty(TOO_LARGE, request.body().length());
            return;
        }
        String tenant = in.getHeader(RelayNames.TENANT_HEADER, String.class);
        Map<String, Object> headers = new HashMap<>();
        for (Map.Entry<String, Object> h : in.getHeaders().entrySet()) {
            if (h.getKey().startsWith(KafkaRecords.LABEL_PREFIX) && h.getValue() != null) {
                headers.put(h.getKey(), h.getValue().toString());
            }
        }
        headers.put(KafkaRecords.FORMAT, KafkaRecords.FORMAT_VERSION);
        headers.put(KafkaRecords.API, request.api().name());
        headers.put(KafkaRecords.PATH, request.pathAndQuery());
        if (request.contentType() != null) {
            headers.put(KafkaRecords.CONTENT_TYPE, request.contentType());
        }
        if (request.contentEncoding() != null) {
            headers.put(KafkaRecords.CONTENT_ENCODING, request.contentEncoding());
        }
        if (tenant != null) {
            headers.put(RelayNames.TENANT_HEADER, tenant);
        }
        String service = upload.serviceName();
        headers.put(KafkaConstants.KEY, (service == null ? "" : service) + "/" + (tenant == null ? "" : tenant));
        in.setHeaders(headers);
        in.setBody(bytesOf(request.body()));
    }

    /** The body as one array: a record value is sent whole (a spooled body is read from its file). */
    private static byte[] bytesOf(UploadBody body) {
        if (body.inMemory()) {
            return body.bytes();
        }
        try (FileChannel in = FileChannel.open(body.file(), StandardOpenOption.READ)) {
            ByteBuffer all = ByteBuffer.allocate(Math.toIntExact(body.length()));
            while (all.hasRemaining()) {
                if (in.read(all, body.fileOffset() + all.position()) < 0) {
                    throw new IOException("the request body file ended early: " + body.file());
                }
            }
            return all.array();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
