package dev.pyroscoperelay.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A route file of {@code src/test/resources/test-routes}, in the YAML DSL exactly as users write it, with the values
 * only a running test knows (ports, sink URLs, paths) filled in: {@code {{name}}} for each {@link #with} name.
 * Placeholders no test value names are left for Camel, so {@code {{env:...}}} and properties still work. A placeholder
 * alone on its line takes a block of YAML (more parameters), indented to where the placeholder stands; an empty block
 * removes the line. The block's own common indentation does not count.
 */
public final class RouteFile {
    private final String resource;
    private final String template;
    private final Map<String, String> values = new LinkedHashMap<>();

    private RouteFile(String resource, String template) {
        this.resource = resource;
        this.template = template;
    }

    /** The file test-routes/&lt;name&gt; from the test classpath. */
    public static RouteFile of(String name) {
        String resource = "/test-routes/" + name;
        try (InputStream in = RouteFile.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no route file " + resource + " on the test classpath");
            }
            return new RouteFile(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
    }

    public RouteFile with(String name, Object value) {
        values.put(name, String.valueOf(value));
        return this;
    }

    /** The YAML with every named value in place; a name the file does not use is a mistake in the test. */
    public String yaml() {
        String yaml = template;
        for (Map.Entry<String, String> value : values.entrySet()) {
            String placeholder = "{{" + value.getKey() + "}}";
            if (!yaml.contains(placeholder)) {
                throw new IllegalArgumentException(resource + " has no " + placeholder);
            }
            yaml = fillBlocks(yaml, placeholder, value.getValue()).replace(placeholder, value.getValue());
        }
        return yaml;
    }

    /** Replaces a placeholder that stands alone on its line with the value's lines at the placeholder's indent. */
    private static String fillBlocks(String yaml, String placeholder, String value) {
        Matcher line = Pattern.compile("(?m)^( *)" + Pattern.quote(placeholder) + "\\n")
                .matcher(yaml);
        StringBuilder out = new StringBuilder();
        while (line.find()) {
            String indent = line.group(1);
            int common = value.lines()
                    .filter(l -> !l.isBlank())
                    .mapToInt(l -> l.length() - l.stripLeading().length())
                    .min()
                    .orElse(0);
            StringBuilder block = new StringBuilder();
            value.stripTrailing()
                    .lines()
                    .forEach(l -> block.append(l.isBlank() ? "" : indent + l.substring(common))
                            .append('\n'));
            line.appendReplacement(out, Matcher.quoteReplacement(value.isBlank() ? "" : block.toString()));
        }
        line.appendTail(out);
        return out.toString();
    }
}
