package dev.pyroscoperelay.kafka;

/**
 * The record format between the receive tier and the write tier (documented in the README, "Scale out on Kafka"):
 * the value is the body a destination would get without external labels (an /ingest body byte for byte); headers carry
 * the rest; the key is service name and tenant, so one service's uploads stay in one partition, in order.
 */
final class KafkaRecords {
    private KafkaRecords() {}

    /** Header with the format version; a record without it is not ours. */
    static final String FORMAT = "pyroscope-format";

    static final String FORMAT_VERSION = "1";

    /** Header: the API the upload arrived on (ingest, push, otlp). */
    static final String API = "pyroscope-api";

    /** Header: the path and query to send it to (the query carries the /ingest labels). */
    static final String PATH = "pyroscope-path";

    static final String CONTENT_TYPE = "Content-Type";
    static final String CONTENT_ENCODING = "Content-Encoding";

    /** Prefix of the external-label headers set before the sink (the write tier's own win on a conflict). */
    static final String LABEL_PREFIX = "pyroscope.label.";
}
