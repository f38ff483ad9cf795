package dev.pyroscoperelay.upload;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * An OTLP resource's string attributes as the labels relabel rules see, and back: {@code service.name} is also
 * {@code service_name} (the label Pyroscope makes of it); labels starting with {@code __} are for the rules only.
 */
final class ResourceLabels {
    static final String SERVICE_NAME_ATTRIBUTE = "service.name";

    private ResourceLabels() {}

    /** The labels rules see for a resource's string attributes. */
    static Map<String, String> labelsOf(Map<String, String> attributes) {
        Map<String, String> labels = new TreeMap<>(attributes);
        String service = attributes.get(SERVICE_NAME_ATTRIBUTE);
        if (service != null) {
            labels.put(IngestName.SERVICE_NAME, service);
        }
        return labels;
    }

    /** The string attributes a resource gets from the labels the rules left. */
    private static Map<String, String> attributesOf(Map<String, String> labels, Map<String, String> before) {
        Map<String, String> attributes = new HashMap<>();
        labels.forEach((k, v) -> {
            if (!ReservedLabels.isReserved(k) && !k.equals(IngestName.SERVICE_NAME)) {
                attributes.put(k, v);
            }
        });
        String service = labels.get(IngestName.SERVICE_NAME);
        if (service != null && !service.equals(before.get(SERVICE_NAME_ATTRIBUTE))) {
            attributes.put(SERVICE_NAME_ATTRIBUTE, service);
        } else if (service == null && before.containsKey(SERVICE_NAME_ATTRIBUTE)) {
            attributes.remove(SERVICE_NAME_ATTRIBUTE);
        }
        return attributes;
    }

    /** What to do to a resource's attributes ({@code before}) so that they carry the labels the rules left: "" removes. */
    static Map<String, String> changes(Map<String, String> before, Map<String, String> labels) {
        Map<String, String> after = attributesOf(labels, before);
        Map<String, String> changes = new TreeMap<>();
        before.keySet().forEach(key -> {
            if (!after.containsKey(key)) {
                changes.put(key, "");
            }
        });
        after.forEach((key, value) -> {
            if (!value.equals(before.get(key))) {
                changes.put(key, value);
            }
        });
        return changes;
    }
}
