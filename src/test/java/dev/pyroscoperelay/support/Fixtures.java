package dev.pyroscoperelay.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** The Java agent captures and agent script in src/test/resources/fixtures/java-agent (see its FORMAT.md). */
public final class Fixtures {
    public record Capture(String rawQuery, String contentType, Map<String, String> headers, byte[] body) {}

    private Fixtures() {}

    public static Path dir() {
        Path p = Path.of(System.getProperty("fixtures.dir", "src/test/resources/fixtures"));
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("fixtures not found at " + p.toAbsolutePath() + " (set -Dfixtures.dir)");
        }
        return p;
    }

    public static Capture javaAgent(int n) throws IOException {
        Path captures = dir().resolve("java-agent/captures");
        String prefix = String.format("%04d", n);
        JsonNode meta = new ObjectMapper()
                .readTree(captures.resolve(prefix + ".meta.json").toFile());
        Map<String, String> headers = new LinkedHashMap<>();
        meta.get("headers").forEach(h -> headers.put(h.get(0).asText(), h.get(1).asText()));
        return new Capture(
                meta.get("raw_query").asText(),
                headers.get("Content-Type"),
                headers,
                Files.readAllBytes(captures.resolve(meta.get("body_file").asText())));
    }

    /** Decodes the forwarded {@code name} parameter into app name and sorted labels. */
    public record Name(String app, Map<String, String> labels) {}

    public static Name forwardedName(String rawQuery) {
        for (String p : rawQuery.split("&")) {
            if (p.startsWith("name=")) {
                String name = URLDecoder.decode(p.substring(5), StandardCharsets.UTF_8);
                int open = name.indexOf('{');
                Map<String, String> labels = new TreeMap<>();
                String inner = name.substring(open + 1, name.length() - 1);
                if (!inner.isEmpty()) {
                    for (String kv : inner.split(",")) {
                        int eq = kv.indexOf('=');
                        labels.put(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                }
                return new Name(name.substring(0, open), labels);
            }
        }
        throw new AssertionError("no name in " + rawQuery);
    }

    /** The query without name, to compare what must pass unchanged. */
    public static String withoutName(String rawQuery) {
        StringBuilder sb = new StringBuilder();
        for (String p : rawQuery.split("&")) {
            if (!p.startsWith("name=")) {
                sb.append(sb.length() == 0 ? "" : "&").append(p);
            }
        }
        return sb.toString();
    }
}
