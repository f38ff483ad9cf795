package dev.pyroscoperelay.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.pyroscoperelay.api.OtlpApi;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.profiles.v1development.Profile;
import io.opentelemetry.proto.profiles.v1development.ProfilesDictionary;
import io.opentelemetry.proto.profiles.v1development.ResourceProfiles;
import io.opentelemetry.proto.profiles.v1development.ScopeProfiles;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Label rules and the split on OTLP exports: resource attributes are the labels, profiles stay untouched. */
class OtlpUploadTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static KeyValue string(String key, String value) {
        return KeyValue.newBuilder()
                .setKey(key)
                .setValue(AnyValue.newBuilder().setStringValue(value))
                .build();
    }

    private static ResourceProfiles resource(String service, String namespace, String payload) {
        return ResourceProfiles.newBuilder()
                .setResource(Resource.newBuilder()
                        .addAttributes(string("service.name", service))
                        .addAttributes(string("k8s.namespace.name", namespace))
                        .addAttributes(KeyValue.newBuilder()
                                .setKey("process.pid")
                                .setValue(AnyValue.newBuilder().setIntValue(42))))
                .addScopeProfiles(ScopeProfiles.newBuilder()
                        .addProfiles(Profile.newBuilder().setOriginalPayload(ByteString.copyFromUtf8(payload))))
                .build();
    }

    private static OtlpUpload proto() {
        ExportProfilesServiceRequest r = ExportProfilesServiceRequest.newBuilder()
                .addResourceProfiles(resource("payments", "pay", "p1"))
                .addResourceProfiles(resource("checkout", "shop", "c1"))
                .addResourceProfiles(resource("noisy", "shop", "n1"))
                .setDictionary(ProfilesDictionary.newBuilder().addStringTable("main"))
                .build();
        return OtlpUpload.ofProtobuf(OtlpApi.API, r, UploadBody.inMemory(r.toByteArray()), null);
    }

    private static OtlpUpload json() throws Exception {
        String text = """
                {"resourceProfiles":[
                  {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"payments"}},
                                             {"key":"k8s.namespace.name","value":{"stringValue":"pay"}}]},
                   "scopeProfiles":[{"profiles":[{"profileId":"00ff"}]}]},
                  {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}]},
                   "scopeProfiles":[{"profiles":[{"profileId":"11ee"}]}]}],
                 "dictionary":{"stringTable":["main"]}}
                """;
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return OtlpUpload.ofJson(OtlpApi.API, (ObjectNode) MAPPER.readTree(bytes), UploadBody.inMemory(bytes), null);
    }

    private static ExportProfilesServiceRequest sent(ProfileUpload u) throws Exception {
        return ExportProfilesServiceRequest.parseFrom(
                u.toDestination(Map.of()).body().bytes());
    }

    private static Map<String, String> strings(ResourceProfiles rp) {
        Map<String, String> m = new TreeMap<>();
        rp.getResource().getAttributesList().stream()
                .filter(kv -> kv.getValue().hasStringValue())
                .forEach(kv -> m.put(kv.getKey(), kv.getValue().getStringValue()));
        return m;
    }

    /** drop service noisy, rename k8s.namespace.name to namespace, upper-case a payments service name */
    private static final UnaryOperator<Map<String, String>> RULES = labels -> {
        if ("noisy".equals(labels.get("service_name"))) {
            return null;
        }
        Map<String, String> out = new TreeMap<>(labels);
        String ns = out.remove("k8s.namespace.name");
        if (ns != null) {
            out.put("namespace", ns);
        }
        if ("payments".equals(out.get("service_name"))) {
            out.put("service_name", "PAYMENTS");
        }
        return out;
    };

    @Test
    void rulesWorkOnStringResourceAttributesOfProtobuf() throws Exception {
        OtlpUpload upload = proto();
        ProfileUpload out = upload.relabel(RULES);
        ExportProfilesServiceRequest r = sent(out);
        assertEquals(2, r.getResourceProfilesCount(), "the noisy resource is dropped");
        assertEquals(Map.of("service.name", "PAYMENTS", "namespace", "pay"), strings(r.getResourceProfiles(0)));
        assertEquals(Map.of("service.name", "checkout", "namespace", "shop"), strings(r.getResourceProfiles(1)));
        assertEquals(
                42,
                r.getResourceProfiles(0).getResource().getAttributesList().stream()
                        .filter(kv -> kv.getKey().equals("process.pid"))
                        .findFirst()
                        .orElseThrow()
                        .getValue()
                        .getIntValue(),
                "attributes that are not strings are kept");
        ExportProfilesServiceRequest original = sent(upload);
        assertEquals(
                original.getResourceProfiles(0).getScopeProfilesList(),
                r.getResourceProfiles(0).getScopeProfilesList());
        assertEquals(original.getDictionary(), r.getDictionary());
        assertEquals(
                Map.of("namespace", "shop", "service.name", "checkout", "service_name", "checkout"),
                out.splitBy("service_name").get(1).commonLabels());
    }

    @Test
    void rulesThatChangeNothingKeepTheUploadAndDroppingAllLeavesNothing() throws Exception {
        OtlpUpload upload = proto();
        assertSame(upload, upload.relabel(labels -> labels));
        assertInstanceOf(NothingLeft.class, upload.relabel(labels -> null));
    }

    @Test
    void rulesWorkOnJsonAndKeepHexIds() throws Exception {
        ProfileUpload out = json().relabel(RULES);
        JsonNode tree = MAPPER.readTree(out.toDestination(Map.of()).body().bytes());
        JsonNode first = tree.path("resourceProfiles").get(0);
        Map<String, String> attributes = new TreeMap<>();
        first.path("resource")
                .path("attributes")
                .forEach(kv -> attributes.put(
                        kv.path("key").asText(),
                        kv.path("value").path("stringValue").asText()));
        assertEquals(Map.of("service.name", "PAYMENTS", "namespace", "pay"), attributes);
        assertEquals(
                "00ff",
                first.path("scopeProfiles")
                        .get(0)
                        .path("profiles")
                        .get(0)
                        .path("profileId")
                        .asText());
        assertEquals("main", tree.path("dictionary").path("stringTable").get(0).asText());
    }

    @Test
    void splitByServiceOrAnyAttribute() throws Exception {
        List<ProfileUpload> byService = proto().splitBy("service_name");
        assertEquals(3, byService.size());
        assertEquals("payments", byService.get(0).serviceName());
        assertEquals(1, sent(byService.get(1)).getResourceProfilesCount());
        List<ProfileUpload> byNamespace = proto().splitBy("k8s.namespace.name");
        assertEquals(2, byNamespace.size());
        assertEquals(2, sent(byNamespace.get(1)).getResourceProfilesCount());
        assertEquals("shop", byNamespace.get(1).commonLabels().get("k8s.namespace.name"));
        OtlpUpload one = proto();
        assertSame(one, one.splitBy("no.such.attribute").get(0));
        assertEquals(2, json().splitBy("service_name").size());
    }
}
