package dev.pyroscoperelay.kafka;

import dev.pyroscoperelay.api.UploadApis;
import dev.pyroscoperelay.runtime.Durations;
import dev.pyroscoperelay.runtime.RelayMetrics;
import dev.pyroscoperelay.runtime.RelayNames;
import dev.pyroscoperelay.upload.InvalidProfileException;
import dev.pyroscoperelay.upload.RelayExchange;
import dev.pyroscoperelay.upload.RoutingHeaders;
import dev.pyroscoperelay.upload.UploadApi;
import dev.pyroscoperelay.upload.UploadBody;
import java.util.HashMap;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.kafka.KafkaConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First step of {@code kamelet:pyroscope-kafka-source}: a record of the receive tier becomes the exchange a receiver
 * would have made (the validated upload, the tenant, the receive tier's external labels), so the same writer routes
 * run on it. A record that is not ours, or that no writer could send, is marked to be skipped (counted, logged).
 */
public class FromKafkaRecord implements Processor {
    private static final Logger LOG = LoggerFactory.getLogger(FromKafkaRecord.class);
    /** Exchange property: this record is skipped (not ours, or invalid). */
    static final String SKIP = "PyroscopeKafkaSkip";

    private long deliveryTimeoutMillis = 30_000;
    private long maxMessage = 16L * 1024 * 1024;

    public void setDeliveryTimeout(String timeout) {
        this.deliveryTimeoutMillis = Durations.parseMillis("deliveryTimeout", timeout);
    }

    public void setMaxMessageSize(long maxMessage) {
        this.maxMessage = maxMessage;
    }

    @Override
    public void process(Exchange exchange) throws InterruptedException {
        readAgain.of(exchange).pauseIfDue(exchange); // the consumer's thread: its partitions wait, as they must
        Message in = exchange.getMessage();
        Map<String, Object> record = new HashMap<>(in.getHeaders());
        String format = text(record.get(KafkaRecords.FORMAT));
        String api = text(record.get(KafkaRecords.API));
        UploadApi kind = api == null ? null : UploadApis.forName(api);
        if (!KafkaRecords.FORMAT_VERSION.equals(format) || kind == null || kind.oneDestination()) {
            skip(
                    exchange,
                    "foreign",
                    "not a pyroscope-relay record (" + KafkaRecords.FORMAT + "=" + format + ", " + KafkaRecords.API
                            + "=" + api + ")");
            return;
        }
        byte[] value = in.getBody(byte[].class);
        String path = text(record.get(KafkaRecords.PATH));
        String query = path != null && path.contains("?") ? path.substring(path.indexOf('?') + 1) : "";
        Map<String, Object> headers = new HashMap<>();
        String contentType = text(record.get(KafkaRecords.CONTENT_TYPE));
        String contentEncoding = text(record.get(KafkaRecords.CONTENT_ENCODING));
        String tenant = text(record.get(RelayNames.TENANT_HEADER));
        if (tenant != null) {
            headers.put(RelayNames.TENANT_HEADER, tenant);
        }
        record.forEach((k, v) -> {
            if (k.startsWith(KafkaRecords.LABEL_PREFIX)) {
                headers.put(k, text(v));
            }
        });
        // kept for a manual commit after the writers answered
        headers.put(KafkaConstants.MANUAL_COMMIT, record.get(KafkaConstants.MANUAL_COMMIT));
        for (String where : new String[] {KafkaConstants.TOPIC, KafkaConstants.PARTITION, KafkaConstants.OFFSET}) {
            headers.put(where, record.get(where));
        }
        try {
            in.setBody(kind.decode(
                    path == null || !path.contains("?") ? path : path.substring(0, path.indexOf('?')),
                    UploadBody.inMemory(value == null ? new byte[0] : value),
                    contentType,
                    contentEncoding,
                    query,
                    maxMessage));
        } catch (InvalidProfileException e) {
            skip(exchange, "invalid", "invalid upload: " + e.getMessage());
            return;
        }
        in.setHeaders(headers);
        exchange.setProperty(RelayNames.API_PROPERTY, kind);
        exchange.setProperty(
                RelayExchange.PROPERTY, new RelayExchange(System.nanoTime() + deliveryTimeoutMillis * 1_000_000L));
        RoutingHeaders.update(in);
    }

    private static void skip(Exchange exchange, String reason, String why) {
        exchange.setProperty(SKIP, true);
        RelayMetrics.of(exchange.getContext()).kafkaSkipped(reason);
        LOG.warn(
                "kafka record skipped: {} (topic {}, partition {}, offset {})",
                why,
                exchange.getMessage().getHeader(KafkaConstants.TOPIC),
                exchange.getMessage().getHeader(KafkaConstants.PARTITION),
                exchange.getMessage().getHeader(KafkaConstants.OFFSET));
    }

    /** Kafka header values arrive as bytes. */
    private static String text(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof byte[] b) {
            return new String(b, java.nio.charset.StandardCharsets.UTF_8);
        }
        return v.toString();
    }

    private final ReadAgain.OfContext readAgain = new ReadAgain.OfContext();
}
