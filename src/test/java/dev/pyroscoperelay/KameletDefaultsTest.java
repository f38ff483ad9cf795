package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.receive.ReceiverDefaults;
import dev.pyroscoperelay.write.WriterDefaults;
import java.io.InputStream;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Each default is written once in Java; the Kamelets repeat it for their catalog. Every {@code default:} in a Kamelet
 * must equal the Java value, every Java default must be in the Kamelet, and every parameter is described (as in
 * apache/camel-kamelets).
 */
class KameletDefaultsTest {

    /** spec.definition.properties of a Kamelet, read with the YAML parser Camel's YAML DSL uses. */
    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> properties(String kamelet) throws Exception {
        try (InputStream in = KameletDefaultsTest.class.getResourceAsStream("/kamelets/" + kamelet + ".kamelet.yaml")) {
            Map<String, Object> root =
                    (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromInputStream(in);
            Map<String, Object> spec = (Map<String, Object>) root.get("spec");
            Map<String, Object> definition = (Map<String, Object>) spec.get("definition");
            return (Map<String, Map<String, Object>>) definition.get("properties");
        }
    }

    @ParameterizedTest
    @CsvSource({"pyroscope-receive", "pyroscope-write", "pyroscope-relabel"})
    void kameletDefaultsEqualTheJavaDefaults(String kamelet) throws Exception {
        Map<String, Object> java = switch (kamelet) {
            case "pyroscope-receive" -> ReceiverDefaults.byParameter();
            case "pyroscope-write" -> WriterDefaults.byParameter();
            default -> Map.of(); // pyroscope-relabel has no defaults
        };
        Map<String, String> yaml = new TreeMap<>();
        properties(kamelet).forEach((name, p) -> {
            if (p.containsKey("default")) {
                yaml.put(name, String.valueOf(p.get("default")));
            }
        });
        Map<String, String> expected = new TreeMap<>();
        java.forEach((k, v) -> expected.put(k, String.valueOf(v)));
        assertEquals(expected, yaml);
    }

    @ParameterizedTest
    @CsvSource({
        "pyroscope-receive",
        "pyroscope-write",
        "pyroscope-relabel",
        "pyroscope-kafka-sink",
        "pyroscope-kafka-source"
    })
    void everyParameterHasATitleAndDescription(String kamelet) throws Exception {
        properties(kamelet).forEach((name, p) -> {
            assertTrue(p.get("title") instanceof String, kamelet + "." + name + " has no title");
            assertFalse(
                    String.valueOf(p.getOrDefault("description", "")).isBlank(),
                    kamelet + "." + name + " has no description");
        });
    }
}
