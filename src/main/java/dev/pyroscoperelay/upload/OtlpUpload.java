package dev.pyroscoperelay.upload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.profiles.v1development.ResourceProfiles;
import io.opentelemetry.proto.profiles.v1development.ScopeProfiles;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An OpenTelemetry profiles export ({@code POST /v1development/profiles}), in protobuf or in OTLP's JSON. External
 * labels become resource attributes of every ResourceProfiles (added, replaced, or removed by an empty value); nothing
 * else changes: the protobuf keeps fields this build does not know, and JSON is edited as a tree (OTLP JSON writes
 * IDs in hex, which a protobuf JSON round trip would not keep). With no external labels the body goes on as sent.
 */
public final class OtlpUpload implements ProfileUpload {
    public static final String PROTOBUF = "application/x-protobuf";
    public static final String JSON = "application/json";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ExportProfilesServiceRequest proto;
    private final ObjectNode json;
    private final UploadBody sent;
    private final String contentEncoding;
    private final List<Map<String, String>> resources;
    private final int profiles;

    private final UploadApi api;

    private OtlpUpload(
            UploadApi api,
            ExportProfilesServiceRequest proto,
            ObjectNode json,
            UploadBody sent,
            String contentEncoding,
            List<Map<String, String>> resources,
            int profiles) {
        this.api = api;
        this.proto = proto;
        this.json = json;
        this.sent = sent;
        this.contentEncoding = contentEncoding;
        this.resources = resources;
        this.profiles = profiles;
    }

    /** A protobuf export; {@code sent} is the body as received (maybe gzip), forwarded when nothing changes. */
    public static OtlpUpload ofProtobuf(
            UploadApi api, ExportProfilesServiceRequest request, UploadBody sent, String encoding) {
        List<Map<String, String>> resources = new ArrayList<>();
        int profiles = 0;
        for (ResourceProfiles rp : request.getResourceProfilesList()) {
            Map<String, String> attributes = new HashMap<>();
            for (KeyValue kv : rp.getResource().getAttributesList()) {
                if (kv.getValue().hasStringValue()) {
                    attributes.put(kv.getKey(), kv.getValue().getStringValue());
                }
            }
            resources.add(attributes);
            for (ScopeProfiles sp : rp.getScopeProfilesList()) {
                profiles += sp.getProfilesCount();
            }
        }
        return new OtlpUpload(api, request, null, sent, encoding, resources, profiles);
    }

    /** An OTLP JSON export, already parsed into a tree whose shape was checked. */
    public static OtlpUpload ofJson(UploadApi api, ObjectNode request, UploadBody sent, String encoding) {
        List<Map<String, String>> resources = new ArrayList<>();
        int profiles = 0;
        for (JsonNode rp : request.path("resourceProfiles")) {
            Map<String, String> attributes = new HashMap<>();
            for (JsonNode kv : rp.path("resource").path("attributes")) {
                JsonNode value = kv.path("value").path("stringValue");
                if (kv.path("key").isTextual() && value.isTextual()) {
                    attributes.put(kv.get("key").asText(), value.asText());
                }
            }
            resources.add(attributes);
            for (JsonNode sp : rp.path("scopeProfiles")) {
                profiles += sp.path("profiles").size();
            }
        }
        return new OtlpUpload(api, null, request, sent, encoding, resources, profiles);
    }

    @Override
    public long receivedBytes() {
        return sent.length();
    }

    @Override
    public int profileCount() {
        return profiles;
    }

    @Override
    public int seriesCount() {
        return resources.size();
    }

    /**
     * The string resource attributes every ResourceProfiles has, with {@code service.name} also as
     * {@code service_name} (the label Pyroscope makes of it).
     */
    @Override
    public Map<String, String> commonLabels() {
        Map<String, String> common = null;
        for (Map<String, String> attributes : resources) {
            if (common == null) {
                common = new TreeMap<>(attributes);
            } else {
                common.entrySet().removeIf(e -> !e.getValue().equals(attributes.get(e.getKey())));
            }
        }
        if (common == null) {
            return Map.of();
        }
        String service = common.get(ResourceLabels.SERVICE_NAME_ATTRIBUTE);
        if (service != null) {
            common.put(IngestName.SERVICE_NAME, service);
        }
        return Collections.unmodifiableMap(common);
    }

    /**
     * Rules see the string resource attributes of each ResourceProfiles as labels (with {@code service.name} also as
     * {@code service_name}); a dropped resource is not sent with its profiles, a changed label is written back as a
     * string attribute (a changed {@code service_name} to {@code service.name}), a removed one is removed. Labels
     * starting with {@code __} are for the rules only. Profiles and everything else stay as they are.
     */
    @Override
    public ProfileUpload relabel(java.util.function.UnaryOperator<Map<String, String>> rules) {
        List<Integer> keep = new ArrayList<>();
        List<Map<String, String>> changed = new ArrayList<>();
        boolean any = false;
        for (int i = 0; i < resources.size(); i++) {
            Map<String, String> labels = ResourceLabels.labelsOf(resources.get(i));
            Map<String, String> out = rules.apply(new TreeMap<>(labels));
            if (out == null) {
                any = true;
                continue;
            }
            keep.add(i);
            Map<String, String> changes = ResourceLabels.changes(resources.get(i), out);
            if (changes.isEmpty()) {
                changed.add(null);
            } else {
                changed.add(changes);
                any = true;
            }
        }
        if (!any) {
            return this;
        }
        if (keep.isEmpty()) {
            return new NothingLeft(receivedBytes(), resources.size());
        }
        return rebuild(keep, changed);
    }

    /** One upload per value of {@code label} (a string resource attribute; service_name is service.name). */
    @Override
    public List<ProfileUpload> splitBy(String label) {
        String attribute = label.equals(IngestName.SERVICE_NAME) ? ResourceLabels.SERVICE_NAME_ATTRIBUTE : label;
        Map<String, List<Integer>> groups = new java.util.LinkedHashMap<>();
        for (int i = 0; i < resources.size(); i++) {
            groups.computeIfAbsent(resources.get(i).get(attribute), v -> new ArrayList<>())
                    .add(i);
        }
        if (groups.size() <= 1) {
            return List.of(this);
        }
        List<ProfileUpload> parts = new ArrayList<>();
        for (List<Integer> group : groups.values()) {
            parts.add(rebuild(group, Collections.nCopies(group.size(), null)));
        }
        return parts;
    }

    /**
     * The export with only the resources at {@code keep} (in order), each with the attribute changes at the same index
     * ({@code null}: as it is; a key to a string value sets that string attribute, to "" removes the attribute);
     * re-encoded, since it is no longer what was received. External labels and relabel results both come here.
     */
    private OtlpUpload rebuild(List<Integer> keep, List<Map<String, String>> changes) {
        if (json != null) {
            ObjectNode out = json.deepCopy();
            ArrayNode kept = out.putArray("resourceProfiles");
            for (int k = 0; k < keep.size(); k++) {
                ObjectNode rp = (ObjectNode)
                        json.path("resourceProfiles").get(keep.get(k)).deepCopy();
                if (changes.get(k) != null) {
                    editJson(rp.with("resource").withArray("attributes"), changes.get(k));
                }
                kept.add(rp);
            }
            try {
                byte[] bytes = MAPPER.writeValueAsBytes(out);
                return ofJson(api, out, UploadBody.inMemory(bytes), null);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("cannot write the OTLP JSON request", e);
            }
        }
        ExportProfilesServiceRequest.Builder out = proto.toBuilder().clearResourceProfiles();
        for (int k = 0; k < keep.size(); k++) {
            ResourceProfiles rp = proto.getResourceProfiles(keep.get(k));
            if (changes.get(k) != null) {
                ResourceProfiles.Builder b = rp.toBuilder();
                editProto(b.getResourceBuilder(), changes.get(k));
                rp = b.build();
            }
            out.addResourceProfiles(rp);
        }
        ExportProfilesServiceRequest request = out.build();
        return ofProtobuf(api, request, UploadBody.inMemory(request.toByteArray()), null);
    }

    private static void editProto(Resource.Builder resource, Map<String, String> changes) {
        List<KeyValue> attributes = new ArrayList<>(resource.getAttributesList());
        changes.forEach((key, value) -> {
            attributes.removeIf(kv -> kv.getKey().equals(key));
            if (!value.isEmpty()) {
                attributes.add(KeyValue.newBuilder()
                        .setKey(key)
                        .setValue(AnyValue.newBuilder().setStringValue(value))
                        .build());
            }
        });
        resource.clearAttributes().addAllAttributes(attributes);
    }

    private static void editJson(ArrayNode attributes, Map<String, String> changes) {
        changes.forEach((key, value) -> {
            for (int i = attributes.size() - 1; i >= 0; i--) {
                if (key.equals(attributes.get(i).path("key").asText(null))) {
                    attributes.remove(i);
                }
            }
            if (!value.isEmpty()) {
                ObjectNode kv = attributes.addObject();
                kv.put("key", key);
                kv.putObject("value").put("stringValue", value);
            }
        });
    }

    @Override
    public OutgoingRequest toDestination(Map<String, String> externalLabels) {
        if (externalLabels.isEmpty()) {
            return new OutgoingRequest(
                    api, api.path(), sent, json != null ? JSON : PROTOBUF, contentEncoding, Map.of());
        }
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < resources.size(); i++) {
            all.add(i);
        }
        OtlpUpload labelled = rebuild(all, Collections.nCopies(all.size(), externalLabels));
        return new OutgoingRequest(api, api.path(), labelled.sent, json != null ? JSON : PROTOBUF, null, Map.of());
    }
}
