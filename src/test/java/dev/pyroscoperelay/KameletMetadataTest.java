package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * What Camel tooling (Camel JBang, Camel K, the apache/camel-kamelets catalog) reads from a Kamelet: the components it
 * uses and this library's Maven coordinates at the built version in {@code spec.dependencies}, and the catalog's
 * annotations. Read from the built classpath, where the build filled in the version.
 */
class KameletMetadataTest {
    private static String projectVersion() throws Exception {
        Matcher m = Pattern.compile("<artifactId>pyroscope-relay</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(Path.of("pom.xml")));
        assertTrue(m.find(), "the project's version in pom.xml");
        return m.group(1);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> kamelet(String name) throws Exception {
        try (InputStream in = KameletMetadataTest.class.getResourceAsStream("/kamelets/" + name + ".kamelet.yaml")) {
            assertNotNull(in, name);
            return (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromInputStream(in);
        }
    }

    @ParameterizedTest
    @CsvSource({
        "pyroscope-receive, source",
        "pyroscope-write, sink",
        "pyroscope-relabel, action",
        "pyroscope-kafka-sink, action",
        "pyroscope-kafka-source, source"
    })
    @SuppressWarnings("unchecked")
    void everyKameletDeclaresItsDependenciesAndCatalogAnnotations(String name, String type) throws Exception {
        Map<String, Object> k = kamelet(name);
        String text;
        try (InputStream in = KameletMetadataTest.class.getResourceAsStream("/kamelets/" + name + ".kamelet.yaml")) {
            text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertFalse(text.contains("$["), "the build filled in every $[...] of " + name);
        String version = projectVersion();
        Map<String, Object> metadata = (Map<String, Object>) k.get("metadata");
        Map<String, Object> annotations = (Map<String, Object>) metadata.get("annotations");
        assertEquals(version, annotations.get("camel.apache.org/catalog.version"));
        assertTrue(String.valueOf(annotations.get("camel.apache.org/kamelet.icon"))
                .startsWith("data:image/svg+xml;base64,"));
        for (String key : List.of(
                "camel.apache.org/kamelet.support.level",
                "camel.apache.org/provider",
                "camel.apache.org/kamelet.group",
                "camel.apache.org/kamelet.namespace")) {
            assertNotNull(annotations.get(key), key + " on " + name);
        }
        assertEquals(type, ((Map<String, Object>) metadata.get("labels")).get("camel.apache.org/kamelet.type"));

        List<String> dependencies = (List<String>) ((Map<String, Object>) k.get("spec")).get("dependencies");
        assertTrue(dependencies.contains("mvn:dev.pyroscoperelay:pyroscope-relay:" + version), dependencies.toString());
        assertTrue(dependencies.contains("camel:kamelet"), dependencies.toString());
        // every Camel component a step or source of the template uses is declared
        Set<String> used = new TreeSet<>();
        Matcher uri = Pattern.compile("(?m)^\\s*(?:-\\s*)?(?:uri|to):[ \\t]*\"?([a-z][a-z0-9-]*):")
                .matcher(text);
        while (uri.find()) {
            used.add(uri.group(1));
        }
        for (String component : used) {
            if (component.equals("kamelet") || component.equals("pyroscope-step")) {
                continue; // camel:kamelet is checked above; pyroscope-step comes with this library
            }
            assertTrue(dependencies.contains("camel:" + component), name + " uses " + component + ": " + dependencies);
        }
    }
}
