package dev.pyroscoperelay.upload;

import java.util.Map;
import java.util.TreeMap;
import org.apache.camel.Message;

/**
 * External labels travel on the exchange as headers named {@code pyroscope.label.<name>}, set by a route.
 * An empty value deletes the label.
 */
public final class ExternalLabels {
    public static final String HEADER_PREFIX = "pyroscope.label.";

    private ExternalLabels() {}

    /** The external labels set on this message, sorted by name; an empty value means "delete". */
    public static Map<String, String> from(Message message) {
        Map<String, String> result = null;
        for (Map.Entry<String, Object> h : message.getHeaders().entrySet()) {
            String key = h.getKey();
            if (key.length() > HEADER_PREFIX.length()
                    && key.regionMatches(true, 0, HEADER_PREFIX, 0, HEADER_PREFIX.length())) {
                if (result == null) {
                    result = new TreeMap<>();
                }
                Object v = h.getValue();
                result.put(key.substring(HEADER_PREFIX.length()), v == null ? "" : v.toString());
            }
        }
        return result == null ? Map.of() : result;
    }

    /** Applies external labels over {@code labels}: override, empty value deletes. */
    public static void apply(Map<String, String> external, Map<String, String> labels) {
        for (Map.Entry<String, String> e : external.entrySet()) {
            if (e.getValue().isEmpty()) {
                labels.remove(e.getKey());
            } else {
                labels.put(e.getKey(), e.getValue());
            }
        }
    }
}
