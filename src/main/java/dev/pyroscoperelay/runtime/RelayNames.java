package dev.pyroscoperelay.runtime;

/** Names shared by several parts of the relay, spelled once (as Camel's {@code ...Constants} classes do). */
public final class RelayNames {
    /** The Kamelets' names; Camel names their routes {@code <kamelet>-<n>}. */
    public static final String RECEIVE_KAMELET = "pyroscope-receive";

    public static final String WRITE_KAMELET = "pyroscope-write";

    public static final String RECEIVE_ROUTE_PREFIX = RECEIVE_KAMELET + "-";

    public static final String WRITE_ROUTE_PREFIX = WRITE_KAMELET + "-";

    /** Exchange property: which API a request came in on (an {@code upload.UploadApi}). */
    public static final String API_PROPERTY = "pyroscope.relay.api";
    /** Exchange property: the id of the route whose receiver took the request (the debug-info writer is chosen by it). */
    public static final String RECEIVING_ROUTE_PROPERTY = "pyroscope.relay.receivingRoute";

    /** The client's tenant header, forwarded unless a writer sets {@code tenantId}. */
    public static final String TENANT_HEADER = "X-Scope-OrgID";

    /**
     * Exchange header with the upload's service_name (when all its series share one), for routing with choice and
     * filter; set by the receiver and again by a relabel step. Never sent to a destination.
     */
    public static final String SERVICE_NAME_HEADER = "PyroscopeServiceName";

    /** Exchange header: the labels every series of the upload has, as a map (routes read them as ${header.PyroscopeLabels[name]}). */
    public static final String LABELS_HEADER = "PyroscopeLabels";

    /**
     * Exchange header: the upload split by the values of a label, one message per value, for the split EIP
     * ({@code split: simple: "${header.PyroscopeUploadsBy[service_name]}"}); worked out only when a route asks.
     */
    public static final String UPLOADS_BY_HEADER = "PyroscopeUploadsBy";

    /** Sent to every destination. */
    public static final String USER_AGENT = "pyroscope-relay/" + RelayVersion.get();

    private RelayNames() {}
}
