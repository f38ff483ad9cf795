package dev.pyroscoperelay.upload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pyroscoperelay.runtime.RelayNames;
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

    private OtlpUpload(
            ExportProfilesServiceRequest proto,
            ObjectNode json,
            UploadBody sent,
            String contentEncoding,
            List<Map<String, String>> resources,
            int profiles) {
        this.proto = proto;
        this.json = json;
        this.sent = sent;
        this.contentEncoding = contentEncoding;
        this.resources = resources;
        this.profiles = profiles;
    }

    /** A protobuf export; {@code sent} is the body as received (maybe gzip), forwarded when nothing changes. */
    public static OtlpUpload ofProtobuf(ExportProfilesServiceRequest request, UploadBody sent, String encoding) {
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
        return new OtlpUpload(request, null, sent, encoding, resources, profiles);
    }

    /** An OTLP JSON export, already parsed into a tree whose shape was checked. */
    public static OtlpUpload ofJson(ObjectNode request, UploadBody sent, String encoding) {
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
        return new OtlpUpload(null, request, sent, encoding, resources, profiles);
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
        String service = common.get("service.name");
        if (service != null) {
            common.put(IngestName.SERVICE_NAME, service);
        }
        return Collections.unmodifiableMap(common);
    }

    /** Relabel rules are not applied to OTLP resource attributes (yet): the upload goes on as it is. */
    @Override
    public ProfileUpload relabel(java.util.function.UnaryOperator<Map<String, String>> rules) {
        return this;
    }

    @Override
    public OutgoingRequest toDestination(Map<String, String> externalLabels) {
        if (externalLabels.isEmpty()) {
            return new OutgoingRequest(
                    RelayNames.OTLP_PROFILES_PATH, sent, json != null ? JSON : PROTOBUF, contentEncoding, Map.of());
        }
        if (json != null) {
            ObjectNode out = json.deepCopy();
            for (JsonNode rp : out.path("resourceProfiles")) {
                ObjectNode resource = ((ObjectNode) rp).with("resource");
                ArrayNode attributes = resource.withArray("attributes");
                externalLabels.forEach((name, value) -> {
                    for (int i = attributes.size() - 1; i >= 0; i--) {
                        if (name.equals(attributes.get(i).path("key").asText(null))) {
                            attributes.remove(i);
                        }
                    }
                    if (!value.isEmpty()) {
                        ObjectNode kv = attributes.addObject();
                        kv.put("key", name);
                        kv.putObject("value").put("stringValue", value);
                    }
                });
            }
            try {
                return new OutgoingRequest(
                        RelayNames.OTLP_PROFILES_PATH,
                        UploadBody.inMemory(MAPPER.writeValueAsBytes(out)),
                        JSON,
                        null,
                        Map.of());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("cannot write the OTLP JSON request", e);
            }
        }
        ExportProfilesServiceRequest.Builder out = proto.toBuilder();
        for (ResourceProfiles.Builder rp : out.getResourceProfilesBuilderList()) {
            Resource.Builder resource = rp.getResourceBuilder();
            List<KeyValue> attributes = new ArrayList<>(resource.getAttributesList());
            externalLabels.forEach((name, value) -> {
                attributes.removeIf(kv -> kv.getKey().equals(name));
                if (!value.isEmpty()) {
                    attributes.add(KeyValue.newBuilder()
                            .setKey(name)
                            .setValue(AnyValue.newBuilder().setStringValue(value))
                            .build());
                }
            });
            resource.clearAttributes().addAllAttributes(attributes);
        }
        return new OutgoingRequest(
                RelayNames.OTLP_PROFILES_PATH,
                UploadBody.inMemory(out.build().toByteArray()),
                PROTOBUF,
                null,
                Map.of());
    }
}
