package dev.pyroscoperelay.upload;

import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code name} query parameter of /ingest: {@code <app>{k=v,k2=v2}}, parsed the way Pyroscope's
 * segment key parser reads it, and written back with labels sorted by name.
 */
public final class IngestName {
    public static final String SERVICE_NAME = "service_name";
    public static final String APP_NAME = "app_name";

    private final String appName;
    private final Map<String, String> labels;

    private IngestName(String appName, Map<String, String> labels) {
        this.appName = appName;
        this.labels = labels;
    }

    /** Sorted, unmodifiable view of the client's labels (service_name rule applied). */
    public Map<String, String> labels() {
        return labels;
    }

    /**
     * Parses a decoded name. Whitespace around names and values is trimmed, the last duplicate wins, a missing
     * {@code {}} means no labels. The app name becomes {@code service_name} unless the client sent one, in which
     * case the app name is kept as {@code app_name}.
     */
    /** The same app name with other labels (after relabel rules); the app name follows service_name when sent. */
    IngestName withLabels(Map<String, String> newLabels) {
        return new IngestName(appName, java.util.Collections.unmodifiableMap(new TreeMap<>(newLabels)));
    }

    public static IngestName parse(String name) {
        if (name == null || name.isBlank()) {
            throw new InvalidProfileException("missing query parameter 'name' (expected <app>{label=value,...})");
        }
        int open = name.indexOf('{');
        String app = (open < 0 ? name : name.substring(0, open)).trim();
        if (app.isEmpty()) {
            throw new InvalidProfileException(
                    "invalid name '" + LabelLimits.abbreviate(name) + "': the application name is empty");
        }
        for (int i = 0; i < app.length(); i++) {
            char c = app.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '_'
                    || c == '.'
                    || c == '-'
                    || c == '/';
            if (!ok) {
                throw new InvalidProfileException("invalid name '" + LabelLimits.abbreviate(name)
                        + "': application name has '" + c + "' (allowed: letters, digits, '_', '.', '-', '/')");
            }
        }
        Map<String, String> labels = new TreeMap<>();
        if (open >= 0) {
            int close = name.lastIndexOf('}');
            if (close < open) {
                throw new InvalidProfileException("invalid name '" + LabelLimits.abbreviate(name) + "': missing '}'");
            }
            if (!name.substring(close + 1).isBlank()) {
                throw new InvalidProfileException(
                        "invalid name '" + LabelLimits.abbreviate(name) + "': text after '}'");
            }
            String body = name.substring(open + 1, close);
            if (!body.isBlank()) {
                for (String pair : body.split(",", -1)) {
                    int eq = pair.indexOf('=');
                    if (eq < 0) {
                        if (pair.isBlank()) {
                            continue; // tolerate a trailing comma
                        }
                        throw new InvalidProfileException("invalid name '" + LabelLimits.abbreviate(name) + "': label '"
                                + LabelLimits.abbreviate(pair.trim()) + "' has no '='");
                    }
                    String key = pair.substring(0, eq).trim();
                    String value = pair.substring(eq + 1).trim();
                    if (!LabelLimits.isValidName(key)) {
                        throw new InvalidProfileException("invalid name '" + LabelLimits.abbreviate(name)
                                + "': invalid label name '" + LabelLimits.abbreviate(key) + "'");
                    }
                    if (value.isEmpty()) {
                        labels.remove(key); // an empty value is no label, as in Prometheus
                    } else {
                        labels.put(key, value);
                    }
                }
            }
        }
        String clientService = labels.get(SERVICE_NAME);
        if (clientService == null) {
            labels.put(SERVICE_NAME, app);
        } else {
            labels.put(APP_NAME, app);
        }
        return new IngestName(app, java.util.Collections.unmodifiableMap(labels));
    }

    /**
     * The name to forward: labels with external labels applied (override, empty deletes), limits checked,
     * and the app name equal to the final service_name.
     */
    public String rewrite(Map<String, String> external) {
        Map<String, String> out = new TreeMap<>(labels);
        ExternalLabels.apply(external, out);
        LabelLimits.check(out);
        String app = out.getOrDefault(SERVICE_NAME, appName);
        StringBuilder sb =
                new StringBuilder(app.length() + 16 * out.size()).append(app).append('{');
        boolean first = true;
        for (Map.Entry<String, String> e : out.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.append('}').toString();
    }
}
